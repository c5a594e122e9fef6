/**
 * The README documents what the code does: its generated sections (flow columns, service rules,
 * content rules) are exactly what the code renders, and every command the README's quick start and
 * CLI reference name exists.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { README_SECTIONS, readmeSection } from './readme-sections.ts';
import { FLOW_COLUMNS } from '../src/features/schema.ts';
import { runCli } from '../src/cli/main.ts';
import { Writable } from 'node:stream';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  for (const [name, render] of Object.entries(README_SECTIONS)) {
    it(`section "${name}" is what the code renders (run \`npx tsx scripts/gen-readme.ts\` after a change)`, () => {
      expect(readmeSection(readme, name)).toBe(render().trim());
    });
  }

  it('lists every flow column once, in schema order', () => {
    const names = [...readmeSection(readme, 'columns')!.matchAll(/^\| \d+ \| `([a-z0-9_]+)`/gm)].map((m) => m[1]);
    expect(names).toEqual(FLOW_COLUMNS.map((c) => c.name));
  });

  it('names only commands the CLI has', async () => {
    let help = '';
    const stdout = new Writable({ write(c, _e, cb) { help += c; cb(); } });
    expect(await runCli(['--help'], { stdout })).toBe(0);
    const cliCommands = new Set([...help.matchAll(/flowsift (\w+) /g)].map((m) => m[1]));
    const used = new Set([...readme.matchAll(/npx flowsift (\w+)/g)].map((m) => m[1]));
    expect(used.size).toBeGreaterThan(3);
    for (const c of used) expect(cliCommands, `README uses 'flowsift ${c}'`).toContain(c);
  });
});
