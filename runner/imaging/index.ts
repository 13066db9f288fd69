/**
 * Shared imaging helpers (sharp/libvips). decode.ts: header inspection and the bad-image policy;
 * resize.ts: centre crop + Lanczos resize; png.ts: lossless PNG encode/decode; grid.ts: sample grids.
 */
export * from './decode.js';
export * from './resize.js';
export * from './png.js';
export * from './grid.js';
