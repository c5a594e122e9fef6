/**
 * Rules for the KDD basic features (1–9) and content features (10–22) of one finished flow.
 *
 * The flow engine measures the raw quantities (FlowRecord: flag, data bytes, land, wrong_fragment,
 * urgent); `service` comes from services.ts; `duration` and the error classes of `flag` are here; the
 * row itself is assembled once, in extract.ts `flowRow`. Content features come from `rec.content`
 * when the payload stage ran, else they are all 0.
 */
import type { ContentFeatures, FlowRecord } from '../flow/record.ts';

/** KDD flags counted as SYN errors in the window rates (as the NSL-KDD data shows). */
export const SYN_ERROR_FLAGS: ReadonlySet<string> = new Set(['S0', 'S1', 'S2', 'S3', 'SH']);
/** KDD flags counted as REJ errors. */
export const REJ_ERROR_FLAGS: ReadonlySet<string> = new Set(['REJ', 'RSTO', 'RSTR', 'RSTOS0']);

/** Error class of a flag for the window rates: 1 = SYN error, 2 = REJ error, 0 = neither. */
export function errorClass(flag: string): 0 | 1 | 2 {
  return SYN_ERROR_FLAGS.has(flag) ? 1 : REJ_ERROR_FLAGS.has(flag) ? 2 : 0;
}

/** All-zero content features (flows the payload stage did not inspect). Frozen: never mutate. */
export const ZERO_CONTENT: Readonly<ContentFeatures> = Object.freeze({
  hot: 0, num_failed_logins: 0, logged_in: 0, num_compromised: 0, root_shell: 0, su_attempted: 0, num_root: 0,
  num_file_creations: 0, num_shells: 0, num_access_files: 0, num_outbound_cmds: 0, is_host_login: 0, is_guest_login: 0,
});

/**
 * Duration in seconds, rounded to the microsecond (float epoch times carry ~0.2 µs of rounding, so
 * more digits would be noise); never negative, even if timestamps went backwards inside the flow.
 */
export function flowDuration(f: FlowRecord): number {
  const d = f.endTs - f.startTs;
  return d > 0 ? Math.round(d * 1e6) / 1e6 : 0;
}

/** Content features of a flow: the payload stage's values, or all zeros. */
export function contentFeatures(f: FlowRecord): Readonly<ContentFeatures> {
  return f.content ?? ZERO_CONTENT;
}
