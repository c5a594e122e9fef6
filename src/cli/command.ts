/**
 * The shape of a flowsift command. One file per command in src/cli/, each `export default` a
 * CommandDef. Commands never call process.exit: `run` returns the exit code, and writes only to the
 * streams in `io`, so tests call them in-process through `runCli` (src/cli/main.ts).
 */
import type { Argv } from 'yargs';
import type { Readable, Writable } from 'node:stream';

export interface CliIO {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
  /** stderr is a terminal (progress bars, colour). */
  stderrIsTTY: boolean;
  /** Aborted on SIGINT: long-running commands stop reading, flush complete output, return 130. */
  signal: AbortSignal;
}

export interface CommandDef<A = any> {
  /** yargs command string, e.g. 'info <captures..>'. */
  command: string;
  describe: string;
  builder: (y: Argv) => Argv<A>;
  run: (args: A, io: CliIO) => Promise<number>;
  /** This command's flags for the library option names its errors may carry (beyond the shared ones in main.ts). */
  optionFlags?: Readonly<Record<string, string>>;
}

