/**
 * flowsift command-line entry point. `runCli(argv, io)` is callable from tests; when this file is
 * run directly it wires process streams and exits with the returned code.
 */
import yargs from 'yargs';
import { pathToFileURL } from 'node:url';
import { EXIT, FlowsiftError } from '../errors.ts';
import type { CliIO, CommandDef } from './command.ts';

/** One line per command; each module lives in src/cli/<name>.ts and default-exports a CommandDef. */
const COMMANDS: Record<string, () => Promise<{ default: CommandDef }>> = {
  // --- commands (keep one per line, alphabetical) ---
  analyze: () => import('./analyze.ts'),
  classify: () => import('./classify.ts'),
  evaluate: () => import('./evaluate.ts'),
  explore: () => import('./explore.ts'),
  flows: () => import('./flows.ts'),
  hosts: () => import('./hosts.ts'),
  info: () => import('./info.ts'),
  label: () => import('./label.ts'),
  score: () => import('./score.ts'),
  train: () => import('./train.ts'),
};

export const VERSION = '0.1.0';

/** Stand-in for a lone '-' argument while yargs parses (it would drop it). */
const DASH = '\u0000-';

const EPILOG = `Exit codes: 0 ok · 1 internal error · 2 usage error · 3 bad input (the message names the file and byte offset; what was read before the fault is still written) · 4 anomalies found (--fail-on-anomaly) · 130 interrupted.`;

export async function runCli(argv: string[], partial: Partial<CliIO> = {}): Promise<number> {
  const io: CliIO = {
    stdout: partial.stdout ?? process.stdout,
    stderr: partial.stderr ?? process.stderr,
    stdin: partial.stdin ?? process.stdin,
    stderrIsTTY: partial.stderrIsTTY ?? false,
    signal: partial.signal ?? new AbortController().signal,
  };
  const name = argv.find((a) => !a.startsWith('-'));
  const defs: CommandDef[] = [];
  // Load only the command asked for (fast start); all of them for --help.
  for (const [key, load] of Object.entries(COMMANDS)) {
    if (name === undefined || name === key || !(name in COMMANDS)) defs.push((await load()).default);
  }
  let code: number = EXIT.OK;
  let usageMessage: string | undefined;
  const y = yargs(argv)
    .scriptName('flowsift')
    .version(VERSION)
    .strict()
    .demandCommand(1, 'flowsift: name a command (see --help)')
    .recommendCommands()
    .epilog(EPILOG)
    .wrap(Math.min(110, (process.stdout as { columns?: number }).columns ?? 100))
    .exitProcess(false)
    .fail((msg, err) => {
      if (err) throw err;
      usageMessage = msg;
    });
  for (const def of defs) {
    y.command(def.command, def.describe, def.builder, async (args) => {
      code = await def.run(args, io);
    });
  }
  // yargs drops a lone '-' (stdin / stdout) from positionals: pass it through as a placeholder and
  // map it back for every command, so `flows a.pcap - -o -` means what a tcpdump user expects.
  y.middleware((args) => {
    for (const [k, v] of Object.entries(args)) {
      if (v === DASH) args[k] = '-';
      else if (Array.isArray(v) && v.includes(DASH)) args[k] = v.map((x) => (x === DASH ? '-' : x));
    }
  }, true);
  let helpText = '';
  try {
    await y.parseAsync(argv.map((a) => (a === '-' ? DASH : a)), {}, (_err, _argv, output) => {
      if (output) helpText = output;
    });
  } catch (err) {
    return reportError(err, io);
  }
  if (usageMessage !== undefined) {
    io.stderr.write(`flowsift: ${usageMessage}\nRun 'flowsift --help' for usage.\n`);
    return EXIT.USAGE;
  }
  if (helpText) io.stdout.write(helpText + '\n');
  return code;
}

/** Map an error to a one-line message and an exit code; stacks only for internal errors. */
export function reportError(err: unknown, io: Pick<CliIO, 'stderr'>): number {
  if (err instanceof FlowsiftError) {
    io.stderr.write(`flowsift: ${err.message}\n`);
    return err.exitCode;
  }
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e.code === 'string' && typeof e.path === 'string' && /^E(NOENT|ACCES|ISDIR|NOTDIR|PERM)$/.test(e.code)) {
    io.stderr.write(`flowsift: ${e.path}: ${e.code === 'ENOENT' ? 'no such file or directory' : e.message}\n`);
    return EXIT.BAD_INPUT;
  }
  io.stderr.write(`flowsift: internal error: ${(e && e.stack) || String(err)}\n`);
  return EXIT.INTERNAL;
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

// `tsx src/cli/main.ts …` (npm run flowsift); the installed bin (src/cli/flowsift.mjs) calls main() itself.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
