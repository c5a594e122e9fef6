/**
 * A column is declared in one place (features/schema.ts): one more entry in the column list shows
 * up in the Row of every flow, in CSV (the Row path and the fast path without Rows), JSON Lines,
 * Parquet and the README's column table, with the value its reader gives; the KDD format, which is
 * the 41 features by definition, is unchanged.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { CsvWriter } from '../../src/dataset/csv.ts';
import { FlowCsvWriter } from '../../src/dataset/flow-csv.ts';
import { JsonlWriter } from '../../src/dataset/jsonl.ts';
import { KddWriter } from '../../src/dataset/kdd-format.ts';
import { createParquetWriter } from '../../src/dataset/parquet.ts';
import type { Row } from '../../src/dataset/types.ts';
import { extractFlows } from '../../src/features/extract.ts';
import { FLOW_COLUMNS, renderColumnTable, type FlowColumn } from '../../src/features/schema.ts';
import { memorySink } from '../dataset/sink.ts';

const FILE = new URL('../../../shared/corpus/pcap/zeek__ftp-bruteforce.pcap', import.meta.url).pathname;

/** The one added declaration: a column computed from the record and the window features. */
const EXTRA: FlowColumn = {
  name: 'pkts_per_host_conn', type: 'int', group: 'extra', unit: 'packets',
  description: 'Packets of the flow times the same-host connections of its time window (a test column).',
  value: (f, _s, w) => (f.srcPkts + f.dstPkts) * w.count,
};
const COLUMNS: readonly FlowColumn[] = [...FLOW_COLUMNS, EXTRA];

describe('one declaration per column', () => {
  it('an added column appears in the Row, CSV (both paths), JSON Lines, Parquet and the README table', async () => {
    const rows: Row[] = [];
    const expected: number[] = [];
    const csv = memorySink();
    const csvw = new CsvWriter(csv, COLUMNS);
    const jsonl = memorySink();
    const jsonw = new JsonlWriter(jsonl, COLUMNS);
    const kdd = memorySink();
    const kddw = new KddWriter(kdd);
    const dir = mkdtempSync(join(tmpdir(), 'flowsift-columns-'));
    try {
      const pq = join(dir, 'flows.parquet');
      const pqw = createParquetWriter(pq, COLUMNS);
      const s = await extractFlows([FILE], { columns: COLUMNS }, async (row, f) => {
        rows.push(row);
        expected.push(f.srcPkts + f.dstPkts);
        csvw.write(row);
        jsonw.write(row);
        kddw.write(row);
        await pqw.write(row);
      });
      await Promise.all([csvw.close(), jsonw.close(), kddw.close(), pqw.close()]);
      expect(s.flows).toBeGreaterThan(10);

      // The Row: the new key last, its value from the reader.
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i]!;
        expect(Object.keys(r)).toEqual(COLUMNS.map((c) => c.name));
        expect(r.pkts_per_host_conn).toBe(expected[i]! * (r.count as number));
      }
      const values = rows.map((r) => r.pkts_per_host_conn);
      expect(new Set(values).size).toBeGreaterThan(1);

      // CSV through Rows.
      const lines = csv.text().trim().split('\n');
      expect(lines[0]!.split(',').at(-1)).toBe('pkts_per_host_conn');
      expect(lines.slice(1).map((l) => Number(l.split(',').at(-1)))).toEqual(values);

      // CSV without Rows (the `flows` fast path), generated from the same declarations: same bytes.
      const fast = memorySink();
      const fastw = new FlowCsvWriter(fast, COLUMNS);
      await extractFlows([FILE], { flowWriter: fastw }, () => undefined);
      await fastw.close();
      expect(fast.text()).toBe(csv.text());

      // JSON Lines.
      const objs = jsonl.text().trim().split('\n').map((l) => JSON.parse(l) as Row);
      expect(objs.map((o) => o.pkts_per_host_conn)).toEqual(values);

      // Parquet, typed from the declaration (int, unit packets → INT64).
      const back = await parquetReadObjects({ file: await asyncBufferFromFile(pq) });
      expect(back.map((o) => Number(o.pkts_per_host_conn))).toEqual(values);
      expect(typeof back[0]!.pkts_per_host_conn).toBe('bigint');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    // KDD: the 41 features only, exactly as without the extra column.
    const plain = memorySink();
    const plainw = new KddWriter(plain);
    await extractFlows([FILE], {}, (row) => plainw.write(row));
    await plainw.close();
    expect(kdd.text()).toBe(plain.text());
    expect(kdd.text().split('\n')[0]!.split(',')).toHaveLength(41);

    // The README's column table.
    const table = renderColumnTable(COLUMNS);
    expect(table.trim().split('\n').at(-1)).toBe(`| ${COLUMNS.length} | \`pkts_per_host_conn\` |  | extra | int | packets | ${EXTRA.description} |`);
  }, 60_000);
});
