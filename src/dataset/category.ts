/**
 * Category column of labeled datasets. The KDD attack → dos/probe/r2l/u2r taxonomy itself lives in
 * src/dataset/kdd.ts (`attackCategory`, documented there, incl. the ambiguous worm/httptunnel picks);
 * this module decides what a labeled flow's `category` is.
 */
import { attackCategory } from './kdd.ts';

export { attackCategory };
export type { AttackCategory } from './kdd.ts';

/**
 * The category for a label: the ground truth's explicit category when it gives one, else the KDD
 * category of a KDD attack name ("neptune" → "dos", "normal" → "normal"), else null (a label that is
 * not a KDD name and no category in the truth file: the column stays empty rather than guessed).
 */
export function categoryFor(label: string, explicit?: string | null): string | null {
  if (explicit) return explicit;
  const c = attackCategory(label);
  return c === 'unknown' ? null : c;
}
