/**
 * Streaming scoring of inputs (captures or datasets) against a model: rows are buffered in batches
 * of a few thousand in a column table, scored, turned into records and handed to the writer, so
 * memory stays flat whatever the input size.
 */
import type { ModelFile } from '../model/model-file.ts';
import { Scorer } from '../model/score.ts';
import { RawTable } from '../model/encode.ts';
import { kddTableFiller, readInputs, requireColumns, type InputSummary, type ReadInputsOptions } from '../model/input.ts';
import type { KddBatch } from '../dataset/kdd.ts';
import { buildRecord, RECORD_KEEP, type ReasonsJson } from './record.ts';
import type { RecordWriter, ScoreSummary } from './format.ts';
import type { FlowScore } from '../model/score.ts';

export interface ScoreRunOptions extends ReadInputsOptions {
  explain?: number;
  onlyAnomalies?: boolean;
  pca?: boolean;
  labelColumn?: string;
  batch?: number;
}

export interface ScoreRunResult {
  summary: ScoreSummary;
  input: InputSummary;
}

export async function scoreInputs(inputs: string[], model: ModelFile, modelName: string, writer: RecordWriter, opts: ScoreRunOptions = {}): Promise<ScoreRunResult> {
  const batch = opts.batch ?? 4096;
  const labelColumn = opts.labelColumn ?? 'label';
  const keep = [...new Set([...RECORD_KEEP, labelColumn])];
  // the model decides which columns are numeric and which categorical
  const table = new RawTable(model.preprocessing.numeric.map((c) => c.name), model.preprocessing.categorical.map((c) => c.name), keep, batch);
  const scorer = new Scorer(model, table);
  const k = model.kmeans.k;
  const flows = new Array<number>(k).fill(0);
  const anomalies = new Array<number>(k).fill(0);
  let rowNo = 0;
  let nFlows = 0;
  let nAnom = 0;
  const explain = opts.explain ?? 3;
  const direct = writer.writeScored !== undefined && scorer.writesReasonsJson;
  const reasons: ReasonsJson = { scorer, i: 0, n: explain };

  const summaryOf = (): ScoreSummary => ({
    flows: nFlows,
    anomalies: nAnom,
    perCluster: flows.map((f, j) => ({ cluster: j, flows: f, anomalies: anomalies[j]! })),
    threshold: model.thresholds.spec,
    scope: model.thresholds.rule.scope,
    model: modelName,
  });

  // KDD rows straight from the reader's columns into the JSON Lines: one reused score, no Row
  const kddDirect = scorer.writesReasonsJson && writer.writeKdd !== undefined;
  /** Counts a scored row for the summary; false when --only-anomalies leaves it unwritten. */
  const tally = (s: FlowScore): boolean => {
    nFlows++;
    flows[s.cluster]!++;
    if (!s.isAnomaly) return !opts.onlyAnomalies;
    nAnom++;
    anomalies[s.cluster]!++;
    return true;
  };
  const reused: FlowScore = { cluster: 0, distance: 0, threshold: 0, anomalyScore: 0, isAnomaly: false, severity: null, reasons: [] };
  const flushKdd = async (b: KddBatch): Promise<void> => {
    scorer.refresh();
    const s = reused;
    const pca = opts.pca ?? false;
    for (let i = 0; i < table.n; i++) {
      rowNo++;
      scorer.scoreInto(i, s, pca);
      if (!tally(s)) continue;
      reasons.i = i;
      const w = writer.writeKdd!(rowNo, b, i, s, labelColumn, reasons);
      if (w) await w;
    }
    table.clear();
  };

  const flush = async (): Promise<void> => {
    if (table.n === 0) return;
    scorer.refresh();
    for (let i = 0; i < table.n; i++) {
      rowNo++;
      // reasons only for the rows that are written (--only-anomalies skips most)
      const s = scorer.score(i, 0, opts.pca ?? false);
      if (!tally(s)) continue;
      let w;
      if (direct) {
        // the JSON writer takes the reasons from the scorer: no Reason objects
        reasons.i = i;
        w = writer.writeScored!(rowNo, table.kept[i]!, s, labelColumn, reasons);
      } else {
        scorer.explainScored(i, s, explain);
        w = writer.writeScored ? writer.writeScored(rowNo, table.kept[i]!, s, labelColumn) : writer.write(buildRecord(rowNo, table.kept[i]!, s, labelColumn));
      }
      if (w) await w;
    }
    table.clear();
  };

  let input: InputSummary;
  const features = [...model.preprocessing.numeric.map((c) => c.name), ...model.preprocessing.categorical.map((c) => c.name)];
  let checked = '';
  // KDD tables go into the table by column, without a Row per line
  const fill = kddTableFiller(table, kddDirect ? [] : keep);
  const onKddBatch = fill && (async (b: KddBatch, from: string): Promise<void> => {
    if (checked !== from) {
      requireColumns(b.first, features, from, 'the model was trained on');
      checked = from;
    }
    if (kddDirect) {
      // table row i is batch row i
      await flush();
      for (let r = 0; r < b.n; r++) fill(b, r);
      await flushKdd(b);
      return;
    }
    for (let r = 0; r < b.n; r++) {
      fill(b, r);
      if (table.n >= batch) await flush();
    }
  });
  try {
    input = await readInputs(
      inputs,
      (row, from) => {
        if (checked !== from) {
          requireColumns(row, features, from, 'the model was trained on');
          checked = from;
        }
        table.push(row);
        if (table.n >= batch) return flush();
      },
      { ...opts, onKddBatch },
    );
  } catch (e) {
    // bad input: everything read before the fault is still scored and written
    await flush();
    await writer.end(summaryOf());
    throw e;
  }
  await flush();
  const summary = summaryOf();
  await writer.end(summary);
  return { summary, input };
}
