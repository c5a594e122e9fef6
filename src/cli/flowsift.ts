#!/usr/bin/env node
/**
 * The executable (package.json bin → dist/cli/flowsift.js). It calls main() itself: under npx it
 * runs through a node_modules/.bin symlink, so a module cannot tell it is the entry point from
 * process.argv[1].
 */
import { main } from './main.ts';

await main();
