/** Terminal blocks for incidents (analyze's summary, score's table) and their JSON Lines writer. */
import type { TextSink } from '../../dataset/output.ts';
import { formatValue } from '../../model/score.ts';
import type { Incident } from './incident.ts';

const LEVEL = { 1: 'high', 2: 'medium', 3: 'low' } as const;

function bytes(b: number): string {
  if (b >= 1 << 30) return `${(b / (1 << 30)).toFixed(1)} GiB`;
  if (b >= 1 << 20) return `${(b / (1 << 20)).toFixed(1)} MiB`;
  if (b >= 1 << 10) return `${(b / (1 << 10)).toFixed(1)} KiB`;
  return `${b} B`;
}

function span(x: Incident): string {
  const a = x.first_seen;
  const b = x.last_seen;
  // print the end time only as far as it differs from the start
  const sameDay = a.slice(0, 10) === b.slice(0, 10);
  return `${a} → ${sameDay ? b.slice(11) : b} (${formatValue(x.duration)} s)`;
}

export function formatIncident(x: Incident): string {
  const tech = x.technique ? ` · ${x.technique} ${x.technique_name}` : '';
  const lines = [`#${x.rank}  ${LEVEL[x.severity]}  ${x.kind.replace(/_/g, ' ')}${tech}`, `    ${x.title}`];
  const size = [`${formatValue(x.flows)} ${x.flows === 1 ? 'flow' : 'flows'}`];
  if (x.packets !== null) size.push(`${formatValue(x.packets)} packets`);
  size.push(bytes(x.bytes));
  const flags = x.flag_mix.slice(0, 4).map((f) => `${f.value} ${formatValue(f.flows)}`).join(', ');
  lines.push(`    ${span(x)} · ${size.join(' · ')}${flags ? ` · flags ${flags}` : ''}`);
  const who: string[] = [];
  // "50 ports (22, 23, 80, …)" when each has one flow, "3 sources (10.0.0.1 ×40, …)" otherwise
  const list = (c: { value: string | number; flows: number }[], total: number, what: string): string => {
    if (total <= 1) return `${formatValue(total)} ${what}${c[0] ? ` ${c[0].value}` : ''}`;
    const shown = c.slice(0, 3).map((v) => (c.every((u) => u.flows === 1) ? String(v.value) : `${v.value} ×${formatValue(v.flows)}`));
    return `${formatValue(total)} ${what} (${shown.join(', ')}${total > 3 ? ', …' : ''})`;
  };
  who.push(list(x.top_sources, x.sources, x.sources === 1 ? 'source' : 'sources'));
  who.push(list(x.top_destinations, x.destinations, x.destinations === 1 ? 'destination' : 'destinations'));
  if (x.dst_ports) who.push(list(x.top_dst_ports, x.dst_ports, x.dst_ports === 1 ? 'port' : 'ports'));
  lines.push(`    ${who.join(' · ')}`);
  const why = x.top_reasons.map((r) => `${r.value} (${formatValue(r.flows)})`).join(', ');
  lines.push(`    anomaly_score max ${x.score_max.toFixed(2)} mean ${x.score_mean.toFixed(2)}${why ? ` · why: ${why}` : ''}`);
  if (x.labels) lines.push(`    labels: ${x.labels.map((l) => `${l.value || '(none)'} ${formatValue(l.flows)}`).join(', ')}`);
  lines.push(`    wireshark: ${x.wireshark_filter}`);
  lines.push(`    id ${x.incident_id}${x.example_uids.length ? ` · flows ${x.example_uids.join(' ')}` : ` · rows ${x.example_rows.join(' ')}`}`);
  return lines.join('\n');
}

/**
 * The incidents section: a count line, the level legend and the top blocks. `list` is every incident
 * ranked, or only the first ones when `counts` gives the totals (RankedIncidents).
 */
export function formatIncidents(list: Incident[], top: number, anomalies: number, gap: number, counts?: { total: number; bySeverity: Record<1 | 2 | 3, number> }): string {
  let by = { 1: 0, 2: 0, 3: 0 };
  if (counts) by = { ...counts.bySeverity };
  else for (const x of list) by[x.severity]++;
  const total = counts ? counts.total : list.length;
  const lines = [
    `${formatValue(total)} incidents from ${formatValue(anomalies)} anomalous flows (an incident ends after ${formatValue(gap)} s without a flow): ${by[1]} high, ${by[2]} medium, ${by[3]} low`,
    '  high = an attack pattern (scan, flood, password guessing, large upload) · medium = suspicious repetition · low = one or two odd flows',
  ];
  if (total) lines.push(`\ntop ${Math.min(top, total)} incidents:`);
  for (const x of list.slice(0, top)) lines.push(formatIncident(x));
  return lines.join('\n');
}

/** incidents.jsonl: one incident a line, in rank order. */
export async function writeIncidentsJsonl(sink: TextSink, list: Incident[]): Promise<void> {
  for (const x of list) {
    const w = sink.write(JSON.stringify(x) + '\n');
    if (w) await w;
  }
}
