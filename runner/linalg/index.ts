/** Float64 dense linear algebra used by the metrics and the PCA (no tfjs). */
export { gemmABt, gram, identity, matmul, mirrorLower, trace, transpose } from './dense.js';
export type { AbtOptions } from './dense.js';
export { tridiagonalize } from './tridiagonal.js';
export type { Tridiagonal } from './tridiagonal.js';
export { symmetricEigen, tridiagonalQL } from './eigen.js';
export type { SymmetricEigen } from './eigen.js';
export { pivotedCholesky } from './cholesky.js';
export type { PivotedCholesky } from './cholesky.js';
export { Rng } from './random.js';
