/** The README sections generated from code (scripts/gen-readme.ts writes them, test/readme.test.ts checks them). */
import { renderColumnTable } from '../src/features/schema.ts';
import { renderServiceRules } from '../src/features/services.ts';
import { renderReadmeSection } from '../src/features/content/rules.ts';
import { renderIncidentKinds } from '../src/report/incidents/kinds.ts';
import { renderScoreColumnTable } from '../src/store/scores.ts';

export const README_SECTIONS: Record<string, () => string> = {
  columns: () => renderColumnTable(),
  services: () => renderServiceRules(),
  'content-rules': () => renderReadmeSection(),
  'incident-kinds': () => renderIncidentKinds(),
  'score-columns': () => renderScoreColumnTable(),
};

/** The README text between `<!-- name:start -->` and `<!-- name:end -->`, or undefined. */
export function readmeSection(readme: string, name: string): string | undefined {
  const start = `<!-- ${name}:start -->`;
  const a = readme.indexOf(start);
  const b = readme.indexOf(`<!-- ${name}:end -->`);
  return a < 0 || b < a ? undefined : readme.slice(a + start.length, b).trim();
}
