/**
 * What the pages need from the server: the analysis a request names (its store and model), the
 * triage state of incidents, and whether a flow's source capture is at hand. index.ts builds it
 * from the server's context, so the pages depend on this narrow shape only.
 */
import type { Store } from '../../store/index.ts';
import type { ModelFile } from '../../model/model-file.ts';
import type { Analysis } from '../context.ts';

export interface PageAnalysis {
  name: string;
  /** The analysis's store; its queries run in the API's per-store queue. */
  store: Store;
  model?: ModelFile;
  /** The server's own record of it (the API's query helpers take it). */
  api: Analysis;
}

export type TriageStatus = 'new' | 'acknowledged' | 'escalated';

export interface TriageEntry {
  status: TriageStatus;
  note?: string;
  by?: string;
  at?: string;
}

export interface PagesDeps {
  /** The analysis named by ?analysis= (undefined: the default one); undefined when none is loaded. */
  analysis(name?: string): Promise<PageAnalysis | undefined>;
  /** Every analysis the server holds, most recent first. */
  analysisNames(): string[];
  /** Triage state of an incident (new when absent). */
  triage(analysis: string, incidentId: string): Promise<TriageEntry | undefined> | TriageEntry | undefined;
  /** Whether GET /api/v1/flows/:uid/pcap can cut this flow's packets (its capture is at hand). */
  pcapAvailable(analysis: string, flow: Record<string, unknown>): Promise<boolean> | boolean;
  /** Whether the server asks for a token (the login page says so). */
  tokenRequired: boolean;
  /** The upload limit (bytes), shown on the Analyze page. */
  maxUpload?: number;
  /** Largest page of a list (the API's limit). */
  maxPage: number;
  /** Recent analyze jobs, newest first, for the Analyze page. */
  jobs?(): { id: string; state: string; name: string; analysis?: string; error?: string; at: string }[];
}
