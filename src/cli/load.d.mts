/** Types of load.mjs (plain JavaScript: the executable runs it before any TypeScript). */
export function loadMain(): Promise<() => Promise<void>>;
export function bundleDir(cacheDir?: string): Promise<string | undefined>;
