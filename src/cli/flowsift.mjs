#!/usr/bin/env node
// Executable for `npx flowsift`: runs the TypeScript sources through tsx (a runtime dependency).
// It calls main() explicitly: under npx this file runs through a node_modules/.bin symlink, so the
// entry module cannot recognise itself from process.argv[1].
import { register } from 'tsx/esm/api';
register();
const { main } = await import('./main.ts');
await main();
