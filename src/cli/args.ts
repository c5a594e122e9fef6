/**
 * Checks of a command line before the command runs, in the words the user typed: an unknown option
 * with the closest known one, a missing required option, a number that is not one. yargs finds
 * most of these too, but reports them after the command has run and in its own terms (NaN).
 */

/** What this module reads of yargs' getOptions(). */
export interface OptionTable {
  key: Record<string, unknown>;
  alias: Record<string, string[]>;
  boolean: string[];
  number: string[];
  demandedOptions: Record<string, unknown>;
}

/**
 * The first problem of a command line (`usage`: the yargs command string, `rest`: the arguments
 * after the command's name), or undefined. `parsed` is yargs' result (undefined when it failed), `yargsMessage` its complaint.
 */
export function checkArgs(
  usage: string, rest: readonly string[], options: OptionTable, parsed: Record<string, unknown> | undefined, yargsMessage: string | undefined,
): string | undefined {
  const names = new Set<string>(['help', 'version']);
  for (const k of Object.keys(options.key)) {
    names.add(k);
    for (const a of options.alias[k] ?? []) names.add(a);
  }
  const booleans = new Set(options.boolean);
  const long = [...names].filter((n) => n.length > 1);
  for (const t of optionTokens(rest)) {
    if (t.startsWith('--')) {
      const name = t.slice(2).split('=')[0]!;
      if (names.has(name) || (name.startsWith('no-') && booleans.has(name.slice(3)))) continue;
      const near = closest(name, long);
      return `unknown option '--${name}'${near ? ` (did you mean --${near}?)` : ''}`;
    }
    for (const c of t.slice(1).split('=')[0]!) {
      if (!names.has(c)) return `unknown option '-${c}'`;
    }
  }
  if (yargsMessage !== undefined) return rephrase(yargsMessage, options, usage);
  if (parsed === undefined) return undefined;
  for (const key of options.number) {
    const v = parsed[key];
    if (typeof v === 'number' && Number.isNaN(v)) {
      const given = rawValue(rest, [key, ...(options.alias[key] ?? [])]);
      return `--${key}: expected a number, got '${given ?? ''}'`;
    }
  }
  return undefined;
}

/** The option tokens of an argument list: not values like '-' or '-3', nothing after '--'. */
function optionTokens(rest: readonly string[]): string[] {
  const out: string[] = [];
  for (const a of rest) {
    if (a === '--') break;
    if (a.length > 1 && a.startsWith('-') && !/^-[\d.]/.test(a)) out.push(a);
  }
  return out;
}

/** What the user wrote after `--name`/`-n` (or `--name=…`), the last time they gave it. */
function rawValue(rest: readonly string[], names: readonly string[]): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    for (const n of names) {
      const flag = n.length === 1 ? `-${n}` : `--${n}`;
      if (a === flag) value = rest[i + 1];
      else if (a.startsWith(flag + '=')) value = a.slice(flag.length + 1);
    }
  }
  return value;
}

/** yargs' complaint in one line, naming options as they are typed. */
function rephrase(msg: string, options: OptionTable, usage: string): string {
  const flag = (k: string): string => {
    const short = (options.alias[k] ?? []).find((a) => a.length === 1);
    return short ? `-${short}/--${k}` : `--${k}`;
  };
  let m = /^Missing required arguments?: (.+)$/.exec(msg);
  if (m) return `missing required option ${m[1]!.split(', ').map(flag).join(', ')}`;
  m = /^Not enough arguments following: (.+)$/.exec(msg);
  if (m) return `option ${m[1]!.length === 1 ? `-${m[1]}` : `--${m[1]}`} needs a value`;
  if (/^Not enough non-option arguments/.test(msg)) return `missing ${usage.match(/<[^>]+>/g)?.join(' ') ?? 'arguments'}`;
  m = /^Unknown arguments?: (.+)$/.exec(msg);
  if (m) return `unexpected argument${m[1]!.includes(', ') ? 's' : ''} ${m[1]!.split(', ').map((a) => `'${a}'`).join(', ')}`;
  m = /^Invalid values:\s*Argument: ([^,]+), Given: (.+), Choices: (.+)$/s.exec(msg);
  if (m) return `--${m[1]}: ${m[2]!.replace(/^"(.*)"$/, "'$1'")} is not one of ${m[3]!.replace(/"/g, '').replace(/\s+/g, ' ')}`;
  return msg.replace(/\s*\n\s*/g, ' ');
}

/** The candidate nearest to `word` by edit distance, if near enough to be a typo of it. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(Math.max(word.length, best.length) / 3)) ? best : undefined;
}

/** Damerau–Levenshtein (optimal string alignment): a swap of two letters counts as one edit. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
