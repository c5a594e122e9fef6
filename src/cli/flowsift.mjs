#!/usr/bin/env node
// Executable for `npx flowsift`: loads the command-line program from a cached esbuild bundle of the
// TypeScript sources, or through tsx (src/cli/load.mjs). It calls main() explicitly: under npx this
// file runs through a node_modules/.bin symlink, so the entry module cannot recognise itself from
// process.argv[1].
import { loadMain } from './load.mjs';
const main = await loadMain();
await main();
