/**
 * Child process for the resource-bound test: writes a capture of N SYNs from N distinct sources to
 * `path` (unless it exists), runs the whole pipeline (extractFlows, rows counted not kept) with
 * `maxFlows`, and prints one JSON line with the summary counters and the peak RSS of THIS process.
 *
 * usage: node --import tsx test/reliability/syn-flood-child.ts PATH N MAXFLOWS
 */
import { existsSync } from 'node:fs';
import { extractFlows } from '../../src/features/extract.ts';
import { writeSynFlood } from './build.ts';

const [path, nArg, maxArg] = process.argv.slice(2);
const n = Number(nArg);
const maxFlows = Number(maxArg);
if (!existsSync(path!)) writeSynFlood(path!, n);
const rssBefore = process.resourceUsage().maxRSS;
let rows = 0;
let s0 = 0;
const t0 = performance.now();
const s = await extractFlows([path!], { flow: { maxFlows } }, (r) => {
  rows++;
  if (r.flag === 'S0') s0++;
});
console.log(
  JSON.stringify({
    packets: s.packets,
    rows,
    s0,
    evictions: s.flowStats.evictions,
    peakFlows: s.flowStats.peakFlows,
    peakHeld: s.peakHeld,
    errors: s.errors.length,
    seconds: (performance.now() - t0) / 1000,
    // resourceUsage().maxRSS is in KiB.
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    rssBeforeMiB: rssBefore / 1024,
  }),
);
