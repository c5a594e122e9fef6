import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { JsonlWriter } from '../../src/dataset/jsonl.ts';
import { openOutput } from '../../src/dataset/output.ts';
import type { ColumnDef } from '../../src/dataset/types.ts';

const cols: ColumnDef[] = ['ts', 'service', 'count'].map((name) => ({ name, type: 'string', group: 'extra', description: name }));

describe('JSON Lines writer', () => {
  it('one object per line, keys in column order, missing → null, extra keys kept after', async () => {
    const chunks: string[] = [];
    const out = new Writable({ write(c, _e, cb) { chunks.push(String(c)); cb(); } });
    const w = new JsonlWriter(openOutput('-', out), cols);
    w.write({ count: 3, label: 'normal', ts: 1.5, service: 'http' });
    w.write({ ts: 2, service: 'a"b\nc' });
    expect(await w.close()).toBe(2);
    const lines = chunks.join('').split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(lines[0]).toBe('{"ts":1.5,"service":"http","count":3,"label":"normal"}');
    expect(JSON.parse(lines[1]!)).toEqual({ ts: 2, service: 'a"b\nc', count: null });
  });
});
