#!/usr/bin/env node
// Executable shim for `npx flowsift`: runs the TypeScript sources through tsx (a runtime dependency).
import { register } from 'tsx/esm/api';
register();
await import('./main.ts');
