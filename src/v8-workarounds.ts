/**
 * The V8-specific workarounds flowsift uses, in one place. Each is worth its strangeness only where
 * a benchmark in scripts/ shows it pays, and each use names that benchmark in a one-line comment.
 * Plain code is the default everywhere else.
 */

/**
 * A function compiled from generated source: `params` are bound to `args` (helpers, tables), and
 * `body` is the body of the returned function of `fnParams`. Per-column code written out this way
 * keeps each property load and type test monomorphic, which a loop over columns does not
 * (scripts/bench-rows.ts). Callers build `body` from column names JSON-quoted and from numbers only:
 * never from data.
 */
export function compileFunction<F>(name: string, params: Record<string, unknown>, fnParams: readonly string[], body: string): F {
  const names = Object.keys(params);
  const factory = new Function(...names, `return function ${name}(${fnParams.join(', ')}) {\n${body}\n};`) as (...a: unknown[]) => F;
  return factory(...names.map((n) => params[n]));
}

/** One compiled function per key: a new one per writer would be optimised anew each time. */
export function cachedCompile<F>(cache: Map<string, F>, key: string, build: () => F): F {
  let f = cache.get(key);
  if (f === undefined) {
    f = build();
    cache.set(key, f);
  }
  return f;
}

/**
 * Store `value` into `obj[key]` after first storing `placeholder` there: a field that sees two
 * different values in the constructor is tracked by V8 as mutable from the start, so replacing it
 * later (after hot code using it was optimised) does not deoptimise that code.
 */
export function keepMutable<T>(obj: object, key: string, placeholder: T, value: T): void {
  const o = obj as Record<string, unknown>;
  o[key] = placeholder;
  o[key] = value;
}

/**
 * Bytes `start..end` of `buf` as a latin1 string without a Buffer view per call: Node's
 * `Buffer.prototype.latin1Slice` (undocumented, stable since Node 0.x) called on a plain Uint8Array
 * (scripts/bench-content.ts).
 */
const latin1SliceImpl = (Buffer.prototype as unknown as { latin1Slice(this: Uint8Array, start: number, end: number): string }).latin1Slice;

export function latin1Slice(buf: Uint8Array, start: number, end: number): string {
  return latin1SliceImpl.call(buf, start, end);
}

/**
 * Doubles that change per packet, kept in a Float64Array instead of object fields: a double stored
 * in a field may be a new heap number per store (scripts/bench-flow.ts).
 */
export function doubleCells(...initial: number[]): Float64Array {
  return Float64Array.from(initial);
}
