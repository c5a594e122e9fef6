/**
 * `flowsift train <capture|dataset>... -m model.json`: fit the anomaly model (preprocessing,
 * k-means with k fixed or chosen by silhouette/elbow, and/or the autoencoder (--detector),
 * thresholds, PCA) and save it.
 */
import type { Argv } from 'yargs';
import { EXIT } from '../errors.ts';
import type { CliIO, CommandDef } from './command.ts';
import { resolveFeatureList } from '../model/encode.ts';
import { collectTable } from '../model/input.ts';
import { trainModel, TRAIN_DEFAULTS } from '../model/train.ts';
import { describeDetector, detectorOf, saveModel, type ModelFile } from '../model/model-file.ts';
import { describeSetAside } from '../model/robust.ts';
import { cliReadOptions, trainOptionsFrom, trainProgress, withTrainOptions, type TrainFlags } from './options.ts';

interface TrainArgs extends TrainFlags {
  inputs: string[];
  model: string;
  quiet: boolean;
}

export async function runTrain(a: TrainArgs, io: CliIO): Promise<{ code: number; model?: ModelFile }> {
  // rows labeled by --train-on are known to be clean; anything else may hold attacks
  const opts = { ...trainOptionsFrom(a), fitMode: a.fitMode ?? (a.trainOn !== undefined ? 'clean' : 'robust') } as const;
  const features = resolveFeatureList(a.features);
  const ro = cliReadOptions(io, a.quiet);
  // the robust fit counts the rows it sets aside per label, when the input has labels
  const keep = opts.fitMode === 'robust' ? [a.labelColumn] : undefined;
  const col = await collectTable(a.inputs, { ...ro, features, keep, trainOn: a.trainOn, labelColumn: a.labelColumn });
  if (io.signal.aborted) return { code: EXIT.INTERRUPTED };
  if (col.table.n < 2) {
    const why = a.trainOn !== undefined
      ? `only ${col.table.n} of ${col.summary.rows} rows have ${a.labelColumn} '${a.trainOn}'${Object.keys(col.labelCounts).length ? ` (labels: ${Object.entries(col.labelCounts).slice(0, 8).map(([l, n]) => `${l} ${n}`).join(', ')})` : ' (no labels in the input)'}`
      : `only ${col.table.n} rows in the input`;
    io.stderr.write(`flowsift: train: need at least 2 rows: ${why}\n`);
    return { code: EXIT.BAD_INPUT };
  }
  const model = trainModel(
    col.table,
    { sources: a.inputs, rowsRead: col.summary.rows, trainOn: a.trainOn ?? null, labelCounts: col.labelCounts, labelColumn: a.labelColumn },
    { ...opts, onProgress: a.quiet ? undefined : (m) => io.stderr.write(`flowsift: ${m}\n`), onStep: trainProgress(io, a.quiet) },
  );
  await saveModel(a.model, model);
  if (!a.quiet) {
    const t = model.training;
    io.stderr.write(
      `flowsift: trained on ${t.rows.toLocaleString('en-US')} rows${t.trainOn ? ` (label ${t.trainOn}, of ${t.rowsRead.toLocaleString('en-US')})` : ''}: ` +
        (detectorOf(model) === 'kmeans'
          ? `k ${model.kmeans.k} (${model.kSelection.method}${model.kSelection.curve.length ? `; silhouette best k ${model.kSelection.silhouetteK}, elbow k ${model.kSelection.elbowK}` : ''}), ${t.iterations} iterations, `
          : `${describeDetector(model)}, ${model.autoencoder!.training.epochs} epochs (final loss ${model.autoencoder!.training.loss.at(-1)}), `) +
        `threshold ${model.thresholds.spec} ${model.thresholds.rule.scope} = ${model.thresholds.global.toFixed(3)}, ${t.seconds.toFixed(1)} s → ${a.model}\n` +
        (t.setAside ? `flowsift: ${describeSetAside(t.setAside)}\n` : `flowsift: clean fit: learned from all ${t.rows.toLocaleString('en-US')} training rows${a.fitMode === undefined ? ' (--train-on rows are taken as attack-free; --fit-mode robust sets the most isolated aside first)' : ''}\n`),
    );
  }
  return { code: ro.errors.count > 0 ? EXIT.BAD_INPUT : EXIT.OK, model };
}

const def: CommandDef<TrainArgs> = {
  command: 'train <inputs..>',
  describe: 'Fit the anomaly model (scaling, k-means, thresholds) on captures or flow datasets',
  builder: (y) =>
    withTrainOptions(
      y
        .positional('inputs', { describe: 'Captures (pcap/pcapng, dirs) or datasets (flowsift CSV/JSONL/Parquet, NSL-KDD/KDD99)', type: 'string', array: true })
        .option('model', { alias: 'm', type: 'string', demandOption: true, describe: 'Model file to write (atomic)', requiresArg: true })
        .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'No summary on stderr' }),
      TRAIN_DEFAULTS,
    ) as unknown as Argv<TrainArgs>,
  run: async (a, io) => (await runTrain({ ...a, inputs: a.inputs.map(String) }, io)).code,
};

export default def;
