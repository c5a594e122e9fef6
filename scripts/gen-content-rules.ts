/**
 * Writes the content-rule documentation (src/features/content/rules.ts) into README.md between
 * `<!-- content-rules:start -->` and `<!-- content-rules:end -->`. Run: npx tsx scripts/gen-content-rules.ts
 * (test/features/content/readme.test.ts fails when the README is out of date).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderReadmeSection } from '../src/features/content/rules.ts';

export const START = '<!-- content-rules:start -->';
export const END = '<!-- content-rules:end -->';

const readme = fileURLToPath(new URL('../README.md', import.meta.url));
const text = readFileSync(readme, 'utf8');
const a = text.indexOf(START);
const b = text.indexOf(END);
if (a < 0 || b < a) throw new Error(`README.md: markers ${START} … ${END} not found`);
const next = `${text.slice(0, a + START.length)}\n${renderReadmeSection()}\n${text.slice(b)}`;
writeFileSync(`${readme}.tmp`, next);
renameSync(`${readme}.tmp`, readme);
console.log(`README.md: ${next === text ? 'already up to date' : 'content rules updated'}`);
