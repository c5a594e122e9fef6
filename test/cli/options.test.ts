/**
 * Options shared by several commands (src/cli/options.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { describe, expect, it } from 'vitest';
import { extractFlows } from '../../src/features/extract.ts';
import { engineThreadPriority } from '../../src/cli/options.ts';
import { generatedCapture } from '../features/helpers.ts';

describe('the main thread priority (--main-nice)', () => {
  it('--main-nice (Linux): only the calling thread gives way while the worker runs (the worker and the read pool keep their priority), and gets its own back after; elsewhere nothing changes', async () => {
    const linux = process.platform === 'linux';
    // Nice values per thread, from /proc (field 19 of each task's stat).
    const niceOf = (stat: string): number => Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    const threads = (): number[] => readdirSync('/proc/self/task').map((t) => niceOf(readFileSync(`/proc/self/task/${t}/stat`, 'utf8')));
    const before = getPriority(0);
    const target = Math.min(19, before + 7);
    const { pcap } = generatedCapture();
    let self: number | undefined;
    let others: number[] = [];
    const s = await extractFlows([pcap], { worker: true, onEngineThread: engineThreadPriority({ mainNice: target }) }, () => {
      if (self !== undefined) return;
      self = getPriority(0);
      if (linux) others = threads();
    });
    expect(s.flows).toBeGreaterThan(3000);
    expect(self).toBe(linux ? target : before);
    if (linux) {
      // This thread is the only one at the lower priority (threads started from now on would inherit it).
      expect(others.filter((n) => n === target).length).toBe(1);
      expect(others.filter((n) => n === before).length).toBeGreaterThan(3);
    }
    // Lowering a nice value back needs privilege (root here in CI); otherwise the thread keeps it.
    const after = getPriority(0);
    expect(after).toBe(!linux || process.getuid?.() === 0 ? before : target);
  }, 60_000);


  it('the library alone leaves every priority as it is', async () => {
    const before = getPriority(0);
    let during: number | undefined;
    await extractFlows([generatedCapture().pcap], { worker: true }, () => {
      during ??= getPriority(0);
    });
    expect(during).toBe(before);
    expect(getPriority(0)).toBe(before);
  }, 60_000);
});
