/** Types of bundle-cache.mjs (plain JavaScript: the executable loads it before any TypeScript). */
export interface BundleEntry {
  esbuild: string;
  /** Every source file in the bundle: [mtimeMs, size] when it was built. */
  inputs: Record<string, [number, number]>;
}
export function esbuildHome(): { version: string; cacheDir: string };
export function isFresh(entry: unknown, version: string): entry is BundleEntry;
export function inputStamps(metafile: { inputs: Record<string, unknown> }): Record<string, [number, number]>;
export function writeAtomic(file: string, text: string): boolean;
