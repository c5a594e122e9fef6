/**
 * Small formatters and the explorer's filter links. Filters live in the URL with the API's grammar
 * (a parameter per field, repeated values, `!value` to exclude): clicking a value narrows to it,
 * the ⊖ next to it excludes it, a chip's × drops it — plain links, so every view is bookmarkable
 * and the same query string works against /api/v1/flows and /api/v1/flows.csv.
 */
import { html, raw } from 'hono/html';
import type { Html } from './layout.ts';

export const int = (v: unknown): string => (typeof v === 'number' && Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : v === null || v === undefined ? '' : String(v));
export const f3 = (v: unknown): string => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(3) : v === null || v === undefined ? '' : String(v));

export function bytes(v: unknown): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '';
  if (v < 1024) return `${v} B`;
  const u = ['KiB', 'MiB', 'GiB', 'TiB'];
  let x = v / 1024;
  let i = 0;
  while (x >= 1024 && i < u.length - 1) {
    x /= 1024;
    i++;
  }
  return `${x.toFixed(x < 10 ? 1 : 0)} ${u[i]}`;
}

/** '2023-11-14T22:13:32.420000Z' → '2023-11-14 22:13:32.420' (UTC, ms). */
export function when(v: unknown): string {
  if (typeof v === 'number') v = new Date(v * 1000).toISOString();
  if (typeof v !== 'string') return '';
  const m = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(\.\d{1,3})?/.exec(v);
  return m ? `${m[1]} ${m[2]}${m[3] ?? ''}` : v;
}

export function span(seconds: number): string {
  if (!Number.isFinite(seconds)) return '';
  if (seconds < 120) return `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
  if (seconds < 7200) return `${(seconds / 60).toFixed(1)} min`;
  if (seconds < 172800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} days`;
}

/** The query parameters that are not filters (paging, view choices). */
export const VIEW_PARAMS = new Set(['after', 'limit', 'columns', 'analysis', 'sort', 'status', 'kind']);

/** A copy of `q` without the paging cursor (a changed filter starts again at the first page). */
function fresh(q: URLSearchParams): URLSearchParams {
  const n = new URLSearchParams(q);
  n.delete('after');
  return n;
}

/** `key=value` replacing the key's included values (exclusions of other values stay). */
export function includeHref(path: string, q: URLSearchParams, key: string, value: string): string {
  const n = fresh(q);
  const keep = n.getAll(key).filter((v) => v.startsWith('!') && v.slice(1) !== value);
  n.delete(key);
  for (const v of keep) n.append(key, v);
  n.append(key, value);
  return `${path}?${n.toString()}`;
}

/** `key=!value` added (and `key=value` dropped). */
export function excludeHref(path: string, q: URLSearchParams, key: string, value: string): string {
  const n = fresh(q);
  const keep = n.getAll(key).filter((v) => v !== value && v !== `!${value}`);
  n.delete(key);
  for (const v of keep) n.append(key, v);
  n.append(key, `!${value}`);
  return `${path}?${n.toString()}`;
}

/** The URL without one key=value pair. */
export function withoutHref(path: string, q: URLSearchParams, key: string, value: string): string {
  const n = fresh(q);
  const keep = n.getAll(key).filter((v) => v !== value);
  n.delete(key);
  for (const v of keep) n.append(key, v);
  const s = n.toString();
  return s ? `${path}?${s}` : path;
}

/**
 * A value in a table cell: clicking it filters the explorer to it, ⊖ excludes it. `key` is the
 * filter parameter (addr, port, service, …).
 */
export function pivot(path: string, q: URLSearchParams, key: string, value: unknown, shown?: string): Html {
  if (value === null || value === undefined || value === '') return html``;
  const v = String(value);
  return html`<span class="pv"><a href="${includeHref(path, q, key, v)}" title="only ${key} ${v}">${shown ?? v}</a><a class="ex" href="${excludeHref(path, q, key, v)}" title="exclude ${key} ${v}" aria-label="exclude ${key} ${v}">⊖</a></span>`;
}

/** The active filters as chips, each with its remove link. */
export function chips(path: string, q: URLSearchParams): Html {
  const items: Html[] = [];
  for (const [k, v] of q) {
    if (VIEW_PARAMS.has(k)) continue;
    const neg = v.startsWith('!');
    items.push(html`<span class="chip${neg ? raw(' neg') : ''}"><b>${k}</b>${neg ? ' ≠ ' : ' = '}${neg ? v.slice(1) : v}<a href="${withoutHref(path, q, k, v)}" title="remove this filter" aria-label="remove filter ${k} ${v}">×</a></span>`);
  }
  if (!items.length) return html``;
  const clear = new URLSearchParams();
  for (const k of ['analysis', 'columns']) for (const v of q.getAll(k)) clear.append(k, v);
  const c = clear.toString();
  return html`<div class="chips">${items}<a class="clear" href="${c ? `${path}?${c}` : path}">clear all</a></div>`;
}

export function sevBadge(sev: unknown): Html {
  if (sev === 1 || sev === 2 || sev === 3) {
    const name = sev === 1 ? 'high' : sev === 2 ? 'medium' : 'low';
    return html`<span class="sev sev${sev}" title="severity ${sev}">${name}</span>`;
  }
  return html``;
}
