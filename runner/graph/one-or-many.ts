/** Inputs are one artifact or, for `multiple` inputs, a list: small helpers to treat both alike. */
export type OneOrMany<T> = T | T[];

export function mapOneOrMany<T, U>(v: OneOrMany<T>, f: (x: T) => U): OneOrMany<U> {
  return Array.isArray(v) ? v.map(f) : f(v);
}

export function flat<T>(v: OneOrMany<T>): T[] {
  return Array.isArray(v) ? v : [v];
}
