/**
 * Category column of labeled datasets. The KDD attack → dos/probe/r2l/u2r taxonomy itself lives in
 * src/dataset/kdd.ts (`attackCategory`, documented there, incl. the ambiguous worm/httptunnel picks);
 * this module adds the labels of flowsift's traffic generator (shared/bench/gen_bench_pcap.py) and
 * decides what a labeled flow's `category` is.
 *
 * Extending the map: a `category` column in the ground truth (or in any dataset) wins over both
 * tables, row by row, so a label this module does not know gets the category its data gives it.
 */
import { attackCategory } from './kdd.ts';

export { attackCategory };
export type { AttackCategory } from './kdd.ts';

/**
 * Labels of the bench generator, in the KDD taxonomy where one fits: a port scan probes, SYN and
 * ICMP floods deny service, SSH password guessing is remote-to-local. Data theft over an
 * established session has no KDD category (KDD has no exfiltration class), so it gets its own,
 * `exfiltration`, as MITRE ATT&CK names that tactic (TA0010).
 */
export const GENERATOR_CATEGORIES: Readonly<Record<string, string>> = {
  portscan: 'probe',
  synflood: 'dos',
  icmpflood: 'dos',
  bruteforce: 'r2l',
  exfil: 'exfiltration',
};

/** Category of a label by the KDD table, then the generator's; 'unknown' when neither knows it. */
export function labelCategory(label: string): string {
  const c = attackCategory(label);
  if (c !== 'unknown') return c;
  return GENERATOR_CATEGORIES[label.trim().toLowerCase()] ?? 'unknown';
}

/**
 * The category for a label: the ground truth's explicit category when it gives one, else the KDD
 * or generator category of the label ("neptune" → "dos", "portscan" → "probe", "normal" →
 * "normal"), else null (a label neither table knows and no category in the truth file: the column
 * stays empty rather than guessed).
 */
export function categoryFor(label: string, explicit?: string | null): string | null {
  if (explicit) return explicit;
  const c = labelCategory(label);
  return c === 'unknown' ? null : c;
}
