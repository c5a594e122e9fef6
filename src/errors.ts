/**
 * Typed errors with stable codes and exit codes, shared by every stage (citty-style).
 * The CLI prints `flowsift: <message>` for a FlowsiftError (no stack trace) and exits with `exitCode`.
 *
 * Exit codes: 0 ok · 1 internal error · 2 usage error · 3 bad input (unreadable, unsupported or corrupt
 * capture/dataset; what was read before the fault is still written) · 4 anomalies found
 * (only with --fail-on-anomaly) · 130 interrupted (SIGINT) after flushing complete output.
 */
export const EXIT = { OK: 0, INTERNAL: 1, USAGE: 2, BAD_INPUT: 3, ANOMALIES: 4, INTERRUPTED: 130 } as const;

export class FlowsiftError extends Error {
  readonly code: string;
  readonly exitCode: number;
  /**
   * The option the problem is about, by its library name (e.g. `tz` of LabelOptions), so that a
   * front end calling it something else can name its own (the CLI: --labels-tz). Messages speak
   * the library's terms; they never name a command-line flag.
   */
  option: string | undefined;
  constructor(code: string, message: string, exitCode: number = EXIT.INTERNAL, options?: { cause?: unknown; option?: string }) {
    super(message, options);
    this.name = 'FlowsiftError';
    this.code = code;
    this.exitCode = exitCode;
    this.option = options?.option;
  }
}

/** Wrong options or values given by the caller (exit 2); `option`: which one (its library name). */
export class UsageError extends FlowsiftError {
  constructor(message: string, code = 'E_USAGE', option?: string) {
    super(code, message, EXIT.USAGE, { option });
    this.name = 'UsageError';
  }
}

/**
 * Bad input data (exit 3): always names the file and, for binary input, the byte offset, what was
 * expected and what was found, e.g.
 * `trace.pcap: byte 88,112,004: record 5,121: caplen 4294967295 exceeds snaplen 65535 (corrupt record header)`.
 */
export class InputError extends FlowsiftError {
  readonly file: string;
  readonly byteOffset: number | undefined;
  constructor(code: string, file: string, byteOffset: number | undefined, detail: string, option?: string) {
    super(code, `${file}${byteOffset === undefined ? '' : `: byte ${byteOffset}`}: ${detail}`, EXIT.BAD_INPUT, { option });
    this.name = 'InputError';
    this.file = file;
    this.byteOffset = byteOffset;
  }
}

/**
 * Append the front end's name for the option an error is about (`flags`: library name → flag), once:
 * the option is cleared so an outer handler does not append it again.
 */
export function withOptionFlag(e: unknown, flags: Readonly<Record<string, string>> | undefined): unknown {
  if (e instanceof FlowsiftError && e.option !== undefined && flags?.[e.option] !== undefined) {
    e.message += ` (${flags[e.option]})`;
    e.option = undefined;
  }
  return e;
}
