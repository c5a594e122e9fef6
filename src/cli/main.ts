/**
 * flowsift command-line program. `runCli(argv, io)` is callable from tests and returns the exit
 * code; main() wires the process streams and signals (the executable, flowsift.ts, calls it).
 *
 * Only the command named is loaded (and yargs only then): `--version` and `--help` load none.
 * Every argument is checked before the command runs, so a typo writes nothing (exit 2).
 */
import { EXIT, FlowsiftError, withOptionFlag } from '../errors.ts';

/** The flags of the model options several commands share, by the library names their errors carry. */
const OPTION_FLAGS: Readonly<Record<string, string>> = {
  threshold: '--threshold', fitMode: '--fit-mode', aeEpochs: '--epochs', features: '--features', k: '--k',
};
import type { CliIO, CommandDef } from './command.ts';
import { checkArgs, closest, type OptionTable } from './args.ts';

/**
 * One line per command, alphabetical: its summary (the module's `describe`, copied here so --help
 * loads no module; test/cli/main.test.ts keeps them equal) and its module (src/cli/<name>.ts,
 * default-exporting a CommandDef), loaded when the command is named.
 */
const COMMANDS: Record<string, { summary: string; load: () => Promise<{ default: CommandDef }> }> = {
  analyze: { summary: 'One shot: captures → flows → train → score → terminal summary with the top anomalies (+ files in --out-dir)', load: () => import('./analyze.ts') },
  classify: { summary: 'Supervised baselines on labeled data: train (rf, gbt, tree, logreg), cv (stratified k-fold) or score (accuracy, P/R/F1, ROC-AUC, confusion)', load: () => import('./classify.ts') },
  evaluate: { summary: 'Precision, recall, F1, ROC-AUC, PR-AUC, confusion matrix and per-category detection of a scored, labeled file', load: () => import('./evaluate.ts') },
  explore: { summary: 'Per-feature summaries of a dataset and, with labels, chi-square / Mann-Whitney tests (effect sizes, Holm-corrected p)', load: () => import('./explore.ts') },
  flows: { summary: 'Captures → one row per bidirectional flow with the 41 KDD features (CSV, KDD, JSON Lines or Parquet), optionally labeled from ground truth', load: () => import('./flows.ts') },
  hosts: { summary: 'Per source IP and time window: flows, bytes, packets, failed connections, unique destinations/ports', load: () => import('./hosts.ts') },
  info: { summary: 'Show format, link types, interfaces, packet count, time span and problems of capture files (like capinfos)', load: () => import('./info.ts') },
  label: { summary: 'Label a flow dataset from ground truth (rules by IP/port/time, or a per-flow truth file) with a report', load: () => import('./label.ts') },
  query: { summary: 'DuckDB SQL over datasets and analysis outputs (views flows, scores, anomalies, incidents, …)', load: () => import('./query.ts') },
  report: { summary: 'Self-contained HTML report (charts, tables, metrics) of an analysis directory or a scored file + model', load: () => import('./report.ts') },
  score: { summary: 'Score flows (captures or datasets) against a model: one anomaly record per flow', load: () => import('./score.ts') },
  serve: { summary: 'Dashboard and REST API (scoring, flows, incidents, uploads, per-flow pcap) over analysis directories', load: () => import('./serve.ts') },
  train: { summary: 'Fit the anomaly model (scaling, k-means, thresholds) on captures or flow datasets', load: () => import('./train.ts') },
};

export const VERSION = '0.1.0';

/** Stand-in for a lone '-' argument while yargs parses (it would drop it). */
const DASH = '\u0000-';

const EPILOG = `Exit codes: 0 ok · 1 internal error · 2 usage error · 3 bad input (the message names the file and byte offset; what was read before the fault is still written) · 4 anomalies found (--fail-on-anomaly) · 130 interrupted.`;

/** The names of the commands, for tests and the README check. */
export const COMMAND_NAMES: readonly string[] = Object.keys(COMMANDS);

/** Load a command's definition (tests compare it with the table). */
export async function loadCommand(name: string): Promise<CommandDef> {
  return (await COMMANDS[name]!.load()).default;
}

export async function runCli(argv: string[], partial: Partial<CliIO> = {}): Promise<number> {
  const io: CliIO = {
    stdout: partial.stdout ?? process.stdout,
    stderr: partial.stderr ?? process.stderr,
    stdin: partial.stdin ?? process.stdin,
    stderrIsTTY: partial.stderrIsTTY ?? false,
    signal: partial.signal ?? new AbortController().signal,
  };
  const usage = (msg: string): number => {
    io.stderr.write(`flowsift: ${msg}\nRun 'flowsift --help' for usage.\n`);
    return EXIT.USAGE;
  };
  const name = argv[0];
  if (name === undefined) return usage('name a command');
  if (name === '--version' || name === '-V') {
    io.stdout.write(VERSION + '\n');
    return EXIT.OK;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(topHelp());
    return EXIT.OK;
  }
  if (name.startsWith('-')) return usage(`unknown option '${name}' (options come after the command: flowsift <command> [options])`);
  const entry = COMMANDS[name];
  if (entry === undefined) {
    const near = closest(name, COMMAND_NAMES);
    return usage(`unknown command '${name}'${near ? ` (did you mean '${near}'?)` : ''}`);
  }
  let flags: Readonly<Record<string, string>> = OPTION_FLAGS;
  try {
    const def = (await entry.load()).default;
    if (def.optionFlags) flags = { ...OPTION_FLAGS, ...def.optionFlags };
    const args = await parse(def, argv, io);
    if (typeof args === 'number') return args;
    return await def.run(args, io);
  } catch (err) {
    return reportError(withOptionFlag(err, flags), io);
  }
}

/**
 * Parse `argv` for one command with yargs and check it (src/cli/args.ts): the parsed arguments, or
 * the exit code when there is nothing to run (help printed, or a usage error reported).
 */
async function parse(def: CommandDef, argv: string[], io: CliIO): Promise<Record<string, unknown> | number> {
  const { default: yargs } = await import('yargs');
  let usageMessage: string | undefined;
  let parsed: Record<string, unknown> | undefined;
  const y = yargs()
    .scriptName('flowsift')
    .version(VERSION)
    .strict()
    .epilog(EPILOG)
    .wrap(Math.min(110, (process.stdout as { columns?: number }).columns ?? 100))
    .exitProcess(false)
    .fail((msg, err) => {
      // yargs' own complaints (YError) are usage errors; anything else is a fault of a builder.
      if (err && err.name !== 'YError') throw err;
      usageMessage ??= msg ?? err?.message;
    });
  let options: OptionTable | undefined;
  y.command(def.command, def.describe, (b) => {
    const built = def.builder(b);
    // Copied now: yargs resets its option table once the command is done.
    const o = (built as unknown as { getOptions(): OptionTable }).getOptions();
    options = { key: { ...o.key }, alias: { ...o.alias }, boolean: [...o.boolean], number: [...o.number], demandedOptions: { ...o.demandedOptions } };
    return built;
  }, (args) => {
    // Run only after the whole command line was checked (yargs calls this before some checks).
    parsed = args;
  });
  // yargs drops a lone '-' (stdin / stdout) from positionals: pass it through as a placeholder and
  // map it back, so `flows a.pcap - -o -` means what a tcpdump user expects.
  y.middleware((args) => {
    for (const [k, v] of Object.entries(args)) {
      if (v === DASH) args[k] = '-';
      else if (Array.isArray(v) && v.includes(DASH)) args[k] = v.map((x) => (x === DASH ? '-' : x));
    }
  }, true);
  let helpText = '';
  await y.parseAsync(argv.map((a) => (a === '-' ? DASH : a)), {}, (_err, _argv, output) => {
    if (output) helpText = output;
  });
  if (helpText) {
    io.stdout.write(helpText + '\n');
    return EXIT.OK;
  }
  const command = argv[0]!;
  const problem = options ? checkArgs(def.command, argv.slice(1), options, parsed, usageMessage) : usageMessage;
  if (problem !== undefined) {
    io.stderr.write(`flowsift ${command}: ${problem}\nRun 'flowsift ${command} --help' for usage.\n`);
    return EXIT.USAGE;
  }
  return parsed ?? EXIT.OK;
}

function topHelp(): string {
  const width = Math.max(...COMMAND_NAMES.map((n) => n.length));
  const lines = [
    'Usage: flowsift <command> [options]     flowsift <command> --help: the options of a command',
    '',
    'Commands:',
    ...COMMAND_NAMES.map((n) => `  flowsift ${n.padEnd(width)}  ${COMMANDS[n]!.summary}`),
    '',
    'Options:',
    '  -h, --help     Show help',
    '  -V, --version  Show version number',
    '',
    EPILOG,
  ];
  return lines.join('\n') + '\n';
}

/** Map an error to a one-line message and an exit code; stacks only for internal errors. */
export function reportError(err: unknown, io: Pick<CliIO, 'stderr'>): number {
  if (err instanceof FlowsiftError) {
    io.stderr.write(`flowsift: ${printable(err.message.replace(/^flowsift: /, ''))}\n`);
    return err.exitCode;
  }
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e.code === 'string' && typeof e.path === 'string' && e.code in ERRNO_TEXT) {
    io.stderr.write(`flowsift: ${e.path}: ${ERRNO_TEXT[e.code]}\n`);
    return EXIT.BAD_INPUT;
  }
  io.stderr.write(`flowsift: internal error: ${(e && e.stack) || String(err)}\n`);
  return EXIT.INTERNAL;
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory', EACCES: 'permission denied', EISDIR: 'is a directory',
  ENOTDIR: 'not a directory', EPERM: 'operation not permitted', EROFS: 'read-only file system', ENOSPC: 'no space left on device',
};

/** Binary bytes quoted in a message (a capture given where a CSV was expected) become `<binary>`. */
function printable(msg: string): string {
  return msg.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffd](?:[^\n]{0,8}?[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffd])*/g, '<binary>');
}

/** Run as a program: wire the process streams and signals, set the exit code. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const ac = new AbortController();
  let interrupted = false;
  process.on('SIGINT', () => {
    if (interrupted) process.exit(EXIT.INTERRUPTED);
    interrupted = true;
    ac.abort();
  });
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT.OK);
  });
  const code = await runCli(argv, { stderrIsTTY: Boolean(process.stderr.isTTY), signal: ac.signal });
  process.exitCode = interrupted && code === EXIT.OK ? EXIT.INTERRUPTED : code;
}
