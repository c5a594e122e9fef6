/**
 * KDD attack name → attack category (dos / probe / r2l / u2r).
 *
 * Training attacks: the UCI `training_attack_types` file (copied in
 * ../shared/corpus/kdd/training_attack_types). Test-only attacks of KDDTest+: the mapping used by
 * the NSL-KDD literature (peers.md §3.4). Two names are ambiguous in public mappings; flowsift picks
 * the majority reading and documents it here:
 *   - `worm` → r2l (some mappings say dos)
 *   - `httptunnel` → u2r (some mappings say r2l)
 */
export type AttackCategory = 'normal' | 'dos' | 'probe' | 'r2l' | 'u2r';

const CATEGORY_OF: Readonly<Record<string, AttackCategory>> = {
  normal: 'normal',
  // dos
  back: 'dos', land: 'dos', neptune: 'dos', pod: 'dos', smurf: 'dos', teardrop: 'dos',
  apache2: 'dos', mailbomb: 'dos', processtable: 'dos', udpstorm: 'dos',
  // probe
  ipsweep: 'probe', nmap: 'probe', portsweep: 'probe', satan: 'probe', mscan: 'probe', saint: 'probe',
  // r2l
  ftp_write: 'r2l', guess_passwd: 'r2l', imap: 'r2l', multihop: 'r2l', phf: 'r2l', spy: 'r2l',
  warezclient: 'r2l', warezmaster: 'r2l', named: 'r2l', sendmail: 'r2l', snmpgetattack: 'r2l',
  snmpguess: 'r2l', xlock: 'r2l', xsnoop: 'r2l', worm: 'r2l',
  // u2r
  buffer_overflow: 'u2r', loadmodule: 'u2r', perl: 'u2r', rootkit: 'u2r', ps: 'u2r', sqlattack: 'u2r',
  xterm: 'u2r', httptunnel: 'u2r',
};

/** The KDD label without KDD99's trailing '.' ("smurf." → "smurf"), trimmed. */
export function normalizeKddLabel(label: string): string {
  const t = label.trim();
  return t.endsWith('.') ? t.slice(0, -1) : t;
}

/**
 * Category of a KDD attack name ("neptune" → "dos", "smurf." → "dos", "normal" → "normal");
 * null when the name is not a KDD label (e.g. a ground-truth file's own attack names).
 */
export function kddCategory(label: string): AttackCategory | null {
  const key = normalizeKddLabel(label).toLowerCase();
  return Object.prototype.hasOwnProperty.call(CATEGORY_OF, key) ? CATEGORY_OF[key]! : null;
}

/** All KDD attack names flowsift knows, with their category (for docs and tests). */
export function kddAttackTable(): ReadonlyArray<readonly [string, AttackCategory]> {
  return Object.entries(CATEGORY_OF).filter(([, c]) => c !== 'normal');
}
