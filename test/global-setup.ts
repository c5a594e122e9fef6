/**
 * Before the tests: dist/ as built from the sources as they are. Tests run the sources, but the
 * flow-engine worker and the executable run from the build (src/features/threaded.ts, test/cli/bin.test.ts).
 */
import { buildIfStale } from '../scripts/build.ts';

export default function setup(): void {
  buildIfStale();
}
