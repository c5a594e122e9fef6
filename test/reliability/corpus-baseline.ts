/**
 * Which corpus files the reader reads cleanly and completely (no error, no truncated tail, and every
 * record the independent walk in layout.ts finds): truncations of those must yield exactly the
 * complete records before the cut.
 */
import { fileURLToPath } from 'node:url';
import { readCaptures } from '../../src/capture/index.ts';
import { CORPUS_DIR, type CorpusFile } from './mutate.ts';

export async function cleanCorpusFiles(corpus: CorpusFile[]): Promise<Set<string>> {
  const clean = new Set<string>();
  for (const f of corpus) {
    let n = 0;
    const r = await readCaptures([fileURLToPath(new URL(f.name, CORPUS_DIR))], () => void n++);
    const fr = r.files[0];
    if (!fr?.error && !fr?.truncatedTail && n === f.layout.records.length && f.layout.walkedTo === f.bytes.length) clean.add(f.name);
  }
  return clean;
}
