/**
 * The pages over a real analysis without the rest of the server: PagesDeps built straight from the
 * store (what serve-api's context gives the pages), triage kept in a map, pcap availability from
 * whether the analysis records its captures.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore, type Store } from '../../src/store/index.ts';
import { validateModel } from '../../src/model/model-file.ts';
import type { PageAnalysis, PagesDeps, TriageEntry } from '../../src/server/pages/deps.ts';

export interface TestDeps extends PagesDeps {
  triaged: Map<string, TriageEntry>;
  close(): void;
}

export async function depsFor(dirs: Record<string, string>, opts: { token?: boolean; pcap?: boolean } = {}): Promise<TestDeps> {
  const analyses: PageAnalysis[] = [];
  const stores: Store[] = [];
  for (const [name, dir] of Object.entries(dirs)) {
    const store = await openStore([dir], { materialize: true });
    stores.push(store);
    const model = validateModel(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')), join(dir, 'model.json'));
    analyses.push({ name, store, model });
  }
  const triaged = new Map<string, TriageEntry>();
  return {
    triaged,
    async analysis(name) {
      if (name === undefined) return analyses[analyses.length - 1];
      const a = analyses.find((x) => x.name === name);
      if (!a) throw Object.assign(new Error(`no analysis named ${JSON.stringify(name)}`), { status: 404 });
      return a;
    },
    analysisNames: () => analyses.map((a) => a.name).reverse(),
    triage: (an, id) => triaged.get(`${an}/${id}`),
    pcapAvailable: () => opts.pcap ?? false,
    tokenRequired: opts.token ?? false,
    maxUpload: 1024 ** 3,
    close: () => stores.forEach((s) => s.close()),
  };
}
