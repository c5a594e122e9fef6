/** Types of load.mjs (plain JavaScript: the executable runs it before any TypeScript). */
export function loadMain(opts?: { cacheDir?: string }): Promise<() => Promise<void>>;
export function bundleDir(cacheDir?: string): Promise<string | undefined>;
