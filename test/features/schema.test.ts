import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { CONTENT_COLUMN_NAMES, FLOW_COLUMNS, KDD_COLUMNS, renderColumnTable } from '../../src/features/schema.ts';
import { KDD_FEATURE_NAMES } from '../../src/dataset/kdd.ts';

const NAMES_FILE = new URL('../../../shared/corpus/kdd/kddcup.names', import.meta.url);

describe('schema', () => {
  it('KDD_COLUMNS are the 41 features of kddcup.names, in order, with their continuous/symbolic types', () => {
    const lines = readFileSync(NAMES_FILE, 'utf8').split('\n').slice(1).filter((l) => l.includes(':'));
    const names = lines.map((l) => l.split(':')[0]!.trim());
    const symbolic = new Set(lines.filter((l) => l.includes('symbolic')).map((l) => l.split(':')[0]!.trim()));
    expect(KDD_COLUMNS.map((c) => c.name)).toEqual(names);
    expect(KDD_COLUMNS.map((c) => c.name)).toEqual([...KDD_FEATURE_NAMES]);
    expect(KDD_COLUMNS.map((c) => c.kddIndex)).toEqual(names.map((_, i) => i + 1));
    // The three symbolic strings are categories; the numeric-but-symbolic flags (land, logged_in…) are ints.
    for (const c of KDD_COLUMNS) {
      if (c.type === 'category') expect(symbolic.has(c.name)).toBe(true);
      else expect(['int', 'float']).toContain(c.type);
    }
  });

  it('identity first, then the 41 KDD columns, then extras; names unique snake_case', () => {
    const names = FLOW_COLUMNS.map((c) => c.name);
    expect(names.slice(0, 8)).toEqual(['ts', 'uid', 'community_id', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'proto']);
    expect(names.slice(8, 49)).toEqual(KDD_COLUMNS.map((c) => c.name));
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^[a-z][a-z0-9_]*$/);
    for (const c of FLOW_COLUMNS) expect(c.description.length).toBeGreaterThan(10);
  });

  it('content features are documented as 0 until the payload stage fills them', () => {
    expect(CONTENT_COLUMN_NAMES).toHaveLength(13);
    for (const c of KDD_COLUMNS.filter((x) => x.group === 'content')) expect(c.description).toMatch(/0 unless the payload stage/);
  });

  it('renders a markdown table with one line per column', () => {
    const t = renderColumnTable();
    const lines = t.trim().split('\n');
    expect(lines).toHaveLength(FLOW_COLUMNS.length + 2);
    expect(lines[2]).toContain('`ts`');
    expect(t).toContain('| `dst_host_srv_rerror_rate` | 41 |');
  });
});
