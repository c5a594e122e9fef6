import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONTENT_FEATURES, RULES, renderReadmeSection } from '../../../src/features/content/rules.ts';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

/** The README text between the content-rules markers. */
function section(): string {
  const start = '<!-- content-rules:start -->';
  const a = readme.indexOf(start);
  const b = readme.indexOf('<!-- content-rules:end -->');
  expect(a, 'README has the content-rules markers').toBeGreaterThanOrEqual(0);
  expect(b).toBeGreaterThan(a);
  return readme.slice(a + start.length, b).trim();
}

/** Table rows of the section as [id, effect, protocols, when, example]. */
function rows(): string[][] {
  return section()
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .map((l) => l.slice(2, -2).split(/ (?<!\\)\| /));
}

describe('README content-rule table', () => {
  it('is exactly what the rule list renders (run `npx tsx scripts/gen-readme.ts` after changing rules)', () => {
    expect(section()).toBe(renderReadmeSection().trim());
  });

  it('has one row per rule, in order, with each rule id, effects and description', () => {
    const table = rows();
    expect(table.map((r) => r[0])).toEqual(RULES.map((r) => `\`${r.id}\``));
    for (const [i, rule] of RULES.entries()) {
      const row = table[i]!;
      for (const f of rule.effects) expect(row[1]).toContain(f);
      expect(row[2]).toBe(rule.protocols);
      expect(row[3]!.replace(/\\\|/g, '|')).toBe(rule.when);
      expect(row[4]!.replace(/\\\|/g, '|')).toBe(rule.example);
    }
  });

  it('documents every one of the 13 content features (each is changed by at least one rule)', () => {
    const documented = new Set(rows().flatMap((r) => r[1]!.split(', ').map((e) => e.split(' ')[0])));
    expect([...documented].sort()).toEqual([...CONTENT_FEATURES].sort());
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
  });
});
