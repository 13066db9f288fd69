/**
 * Sample grids: tiles N same-sized images (NHWC uint8, 1 or 3 channels; 4 is flattened on the pad
 * colour) into one RGB picture, optionally upscaled with nearest-neighbour so small images stay
 * legible, and encodes it as PNG. Used for dataset previews, training snapshots and traversals.
 */
import { encodePng } from './png.js';

export interface GridOptions {
  /** Columns; default ceil(sqrt(count)). */
  cols?: number;
  /** Gap between tiles and around the edge, in output pixels (default 2). */
  pad?: number;
  /** Gap colour, RGB 0-255 (default white). */
  padColour?: [number, number, number];
  /** Integer nearest-neighbour upscale of each tile (default 1). */
  zoom?: number;
}

export interface GridImage {
  width: number;
  height: number;
  /** Interleaved RGB, width * height * 3 bytes. */
  rgb: Uint8Array;
}

/**
 * Lays out `count` images of `size`x`size`x`channels` stored back to back in `pixels` (or an array
 * of single images) in a grid.
 */
export function gridRgb(pixels: Uint8Array | Uint8Array[], size: number, channels: 1 | 3 | 4, opts: GridOptions = {}): GridImage {
  const tiles = Array.isArray(pixels) ? pixels : splitImages(pixels, size * size * channels);
  const count = tiles.length;
  if (count === 0) throw new Error('gridRgb: no images');
  const zoom = Math.max(1, Math.floor(opts.zoom ?? 1));
  const pad = Math.max(0, Math.floor(opts.pad ?? 2));
  const cols = Math.max(1, Math.min(count, opts.cols ?? Math.ceil(Math.sqrt(count))));
  const rows = Math.ceil(count / cols);
  const tile = size * zoom;
  const width = cols * tile + (cols + 1) * pad;
  const height = rows * tile + (rows + 1) * pad;
  const [pr, pg, pb] = opts.padColour ?? [255, 255, 255];
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < rgb.length; i += 3) { rgb[i] = pr; rgb[i + 1] = pg; rgb[i + 2] = pb; }
  for (let t = 0; t < count; t++) {
    const img = tiles[t]!;
    if (img.length !== size * size * channels) throw new Error(`gridRgb: image ${t} has ${img.length} bytes, expected ${size * size * channels}`);
    const ox = pad + (t % cols) * (tile + pad);
    const oy = pad + Math.floor(t / cols) * (tile + pad);
    for (let y = 0; y < tile; y++) {
      const sy = Math.floor(y / zoom);
      for (let x = 0; x < tile; x++) {
        const s = (sy * size + Math.floor(x / zoom)) * channels;
        const d = ((oy + y) * width + ox + x) * 3;
        if (channels === 1) {
          rgb[d] = rgb[d + 1] = rgb[d + 2] = img[s]!;
        } else if (channels === 3) {
          rgb[d] = img[s]!; rgb[d + 1] = img[s + 1]!; rgb[d + 2] = img[s + 2]!;
        } else {
          const a = img[s + 3]! / 255;
          rgb[d] = Math.round(img[s]! * a + pr * (1 - a));
          rgb[d + 1] = Math.round(img[s + 1]! * a + pg * (1 - a));
          rgb[d + 2] = Math.round(img[s + 2]! * a + pb * (1 - a));
        }
      }
    }
  }
  return { width, height, rgb };
}

/** Grid as PNG bytes. */
export async function gridPng(pixels: Uint8Array | Uint8Array[], size: number, channels: 1 | 3 | 4, opts: GridOptions = {}): Promise<Buffer> {
  const g = gridRgb(pixels, size, channels, opts);
  return encodePng(g.rgb, g.width, g.height, 3);
}

function splitImages(pixels: Uint8Array, bytes: number): Uint8Array[] {
  if (pixels.length % bytes !== 0) throw new Error(`gridRgb: ${pixels.length} bytes is not a whole number of ${bytes}-byte images`);
  const out: Uint8Array[] = [];
  for (let o = 0; o < pixels.length; o += bytes) out.push(pixels.subarray(o, o + bytes));
  return out;
}
