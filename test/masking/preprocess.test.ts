/**
 * Preprocessing matches rembg numerically: Lanczos resize equals Pillow's (committed fixture, always
 * run) and the full per-family tensor (resize, / max, - mean, / std, NCHW float32) equals a numpy +
 * Pillow reference computed at test time at each family's real input size.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resizeLanczos } from '../../runner/masking/lanczos.js';
import { writeModelInput } from '../../runner/masking/preprocess.js';
import { FAMILIES, type Family } from '../../runner/masking/models.js';
import { pythonWithPillow, runPython } from './python-ref.js';

const fixtures = fileURLToPath(new URL('../../../test/masking/fixtures/', import.meta.url));

test('Lanczos resize equals Pillow LANCZOS byte for byte (committed fixture)', () => {
  const fx = JSON.parse(readFileSync(join(fixtures, 'lanczos-pillow.json'), 'utf8'));
  const { width: w, height: h } = fx;
  const src = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) {
    src[(y * w + x) * 3 + c] = (x * 37 + y * 91 + c * 53 + ((x * y) % 11) * 17) % 256;
  }
  for (const cs of fx.cases) {
    const got = resizeLanczos(src, w, h, 3, cs.width, cs.height);
    assert.deepEqual([...got], cs.rgb, `${w}x${h} -> ${cs.width}x${cs.height}`);
  }
});

/** rembg's normalisation written independently in numpy, fed the same bytes. */
const REF = `
import sys, numpy as np
from PIL import Image
path, w, h, size, m0, m1, m2, s0, s1, s2 = sys.argv[1:]
w, h, size = int(w), int(h), int(size)
a = np.fromfile(path, dtype=np.uint8).reshape(h, w, 3)
r = np.array(Image.fromarray(a, 'RGB').resize((size, size), Image.LANCZOS)).astype(np.float64)
r = r / r.max()
mean = np.array([float(m0), float(m1), float(m2)]); std = np.array([float(s0), float(s1), float(s2)])
t = ((r - mean) / std).transpose(2, 0, 1)[None].astype(np.float32)
t.tofile(path + '.out')
`;

const py = pythonWithPillow();
for (const family of Object.keys(FAMILIES) as Family[]) {
  const spec = FAMILIES[family];
  test(`${family}: input tensor at ${spec.size}px equals the numpy/Pillow reference`, { skip: py ? false : 'no python3 with numpy + Pillow (set BTF_PYTHON); the Lanczos fixture test still runs' }, () => {
    const w = 61, h = 47;
    const img = new Uint8Array(w * h * 3);
    for (let i = 0; i < img.length; i++) img[i] = (i * 7919 + (i >> 5) * 31) % 241; // max 240: exercises "/ max"
    const dir = mkdtempSync(join(tmpdir(), 'btf-prep-'));
    const file = join(dir, 'img.u8');
    writeFileSync(file, img);
    runPython(py!, REF, [file, String(w), String(h), String(spec.size), ...spec.mean.map(String), ...spec.std.map(String)]);
    const ref = new Float32Array(new Uint8Array(readFileSync(file + '.out')).buffer);
    const got = new Float32Array(3 * spec.size * spec.size);
    writeModelInput(img, w, h, 3, spec, spec.size, got);
    assert.equal(ref.length, got.length);
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - ref[i]!));
    assert.equal(worst, 0, `max |diff| ${worst}`);
  });
}

test('grey and RGBA inputs are converted to RGB before normalising', () => {
  const grey = Uint8Array.from([0, 100, 200, 50]);
  const rgba = Uint8Array.from([0, 0, 0, 9, 100, 100, 100, 9, 200, 200, 200, 9, 50, 50, 50, 9]);
  const a = new Float32Array(12), b = new Float32Array(12);
  writeModelInput(grey, 2, 2, 1, FAMILIES.u2net, 2, a);
  writeModelInput(rgba, 2, 2, 4, FAMILIES.u2net, 2, b);
  assert.deepEqual([...a], [...b]);
  // Channel 0, pixel 2: 200 / 200 = 1 -> (1 - 0.485) / 0.229.
  assert.equal(a[2], Math.fround((1 - 0.485) / 0.229));
});
