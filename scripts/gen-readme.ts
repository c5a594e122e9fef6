/**
 * Regenerates the README sections that the code declares, between their markers:
 *   <!-- columns:start --> … <!-- columns:end -->         the flow columns (src/features/schema.ts)
 *   <!-- services:start --> … <!-- services:end -->       the service rules (src/features/services.ts)
 *   <!-- content-rules:start --> … <!-- content-rules:end -->  the content rules (src/features/content/rules.ts)
 * Run: npx tsx scripts/gen-readme.ts   (test/readme.test.ts fails when the README is out of date)
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { README_SECTIONS } from '../test/readme-sections.ts';

const readme = fileURLToPath(new URL('../README.md', import.meta.url));
const before = readFileSync(readme, 'utf8');
let text = before;
for (const [name, render] of Object.entries(README_SECTIONS)) {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`README.md: markers ${start} … ${end} not found`);
  text = `${text.slice(0, a + start.length)}\n${render().trim()}\n${text.slice(b)}`;
}
writeFileSync(`${readme}.tmp`, text);
renameSync(`${readme}.tmp`, readme);
console.log(`README.md: ${text === before ? 'already up to date' : 'generated sections updated'}`);
