/**
 * A contact sheet of the first masks, written as one greyscale PNG with sharp, so a person can check
 * a mask artifact at a glance. (Kept here until runner/imaging offers a shared grid helper.)
 */
import sharp from 'sharp';

/** Tiles `masks` (each res x res, one channel) into a near-square grid with a 2 px grey gutter. */
export function tileMasks(masks: Uint8Array[], res: number, gutter = 2): { data: Uint8Array; width: number; height: number } {
  const n = Math.max(1, masks.length);
  const cols = Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / cols);
  const width = cols * res + (cols + 1) * gutter;
  const height = rows * res + (rows + 1) * gutter;
  const data = new Uint8Array(width * height).fill(96);
  masks.forEach((m, k) => {
    const x0 = gutter + (k % cols) * (res + gutter);
    const y0 = gutter + Math.floor(k / cols) * (res + gutter);
    for (let y = 0; y < res; y++) data.set(m.subarray(y * res, (y + 1) * res), (y0 + y) * width + x0);
  });
  return { data, width, height };
}

export async function writeMaskGrid(file: string, masks: Uint8Array[], res: number): Promise<void> {
  const { data, width, height } = tileMasks(masks, res);
  await sharp(data, { raw: { width, height, channels: 1 } }).png({ compressionLevel: 9 }).toFile(file);
}
