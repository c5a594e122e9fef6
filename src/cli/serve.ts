/**
 * `flowsift serve [analysis-dir...] [-m model.json] [--port 8080] [--host 127.0.0.1]`: the dashboard
 * and REST API (src/server) over analysis directories. Loopback unless told otherwise; any other
 * host needs a token (--token or FLOWSIFT_TOKEN), which every page and API call must then present.
 */
import type { Argv } from 'yargs';
import { EXIT, UsageError } from '../errors.ts';
import type { CliIO, CommandDef } from './command.ts';

interface ServeArgs {
  dirs: string[];
  model?: string;
  port: number;
  host: string;
  token?: string;
  maxUpload: string;
  jobsDir?: string;
  quiet: boolean;
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1e3, kb: 1e3, kib: 1024, m: 1e6, mb: 1e6, mib: 1024 ** 2, g: 1e9, gb: 1e9, gib: 1024 ** 3, t: 1e12, tb: 1e12, tib: 1024 ** 4 };

/** "1GiB", "500MB", "1048576" → bytes. */
export function parseSize(s: string, flag = '--max-upload'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(s);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new UsageError(`${flag}: expected a size like 1GiB, 500MB or 1048576, got ${JSON.stringify(s)}`);
  const n = Math.floor(Number(m[1]) * unit);
  if (!(n > 0)) throw new UsageError(`${flag}: must be more than 0 bytes, got ${JSON.stringify(s)}`);
  return n;
}

/** Loopback addresses: the only hosts served without a token. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

async function runServe(a: ServeArgs, io: CliIO): Promise<number> {
  if (!Number.isInteger(a.port) || a.port < 0 || a.port > 65535) throw new UsageError(`--port must be an integer 0–65535, got ${String(a.port)}`);
  const token = a.token ?? (process.env.FLOWSIFT_TOKEN || undefined);
  if (token !== undefined && token.length < 8) throw new UsageError('--token: use at least 8 characters');
  if (!isLoopback(a.host) && token === undefined) {
    throw new UsageError(`--host ${a.host} serves beyond this machine: give a token (--token or the FLOWSIFT_TOKEN environment variable), which every page and API call then needs`);
  }
  const maxUpload = parseSize(a.maxUpload);
  const { createContext } = await import('../server/context.ts');
  const { createApp } = await import('../server/app.ts');
  const { serve } = await import('@hono/node-server');
  const ctx = await createContext({ dirs: a.dirs, modelPath: a.model, token, limits: { maxUpload }, jobsDir: a.jobsDir });
  const app = createApp(ctx);
  const server = await new Promise<ReturnType<typeof serve>>((res, rej) => {
    const s = serve({ fetch: app.fetch, port: a.port, hostname: a.host }, () => res(s));
    s.once('error', rej);
  }).catch(async (e: NodeJS.ErrnoException) => {
    await ctx.close();
    if (e.code === 'EADDRINUSE') throw new UsageError(`--port ${a.port}: address ${a.host}:${a.port} is already in use`);
    if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') throw new UsageError(`--host ${a.host}: not an address of this machine`);
    throw e;
  });
  // idle keep-alive sockets are closed after a minute, not Node's 5 s: under load a client reusing a
  // socket the server just timed out gets ECONNRESET
  const http = server as unknown as { keepAliveTimeout: number; headersTimeout: number };
  http.keepAliveTimeout = 65_000;
  http.headersTimeout = 66_000;
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : a.port;
  const shown = a.host.includes(':') ? `[${a.host}]` : a.host;
  if (!a.quiet) {
    const n = ctx.analyses.list().length;
    io.stderr.write(`flowsift: serving ${n} ${n === 1 ? 'analysis' : 'analyses'}${ctx.model ? '' : ' (no model: /score needs -m or an analysis with model.json)'} on http://${shown}:${port}/${token ? ' (token required)' : ''} — Ctrl-C stops\n`);
  }
  await new Promise<void>((res) => {
    if (io.signal.aborted) return res();
    io.signal.addEventListener('abort', () => res(), { once: true });
  });
  await new Promise<void>((res) => {
    server.close(() => res());
    (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
  });
  await ctx.close();
  return EXIT.OK;
}

const def: CommandDef<ServeArgs> = {
  command: 'serve [dirs..]',
  describe: 'Dashboard and REST API (scoring, flows, incidents, uploads, per-flow pcap) over analysis directories',
  builder: (y) =>
    y
      .positional('dirs', { describe: 'Analysis directories (flowsift analyze --out-dir)', type: 'string', array: true, default: [] })
      .option('model', { alias: 'm', type: 'string', requiresArg: true, describe: 'model.json for /api/v1/score and /v2 (default: the first analysis\'s model.json)' })
      .option('port', { type: 'number', default: 8080, requiresArg: true, describe: 'TCP port (0 = any free port)' })
      .option('host', { type: 'string', default: '127.0.0.1', requiresArg: true, describe: 'Address to bind; other than loopback it needs a token' })
      .option('token', { type: 'string', requiresArg: true, describe: 'Token every page and API call must present (Bearer header or the /login cookie); the FLOWSIFT_TOKEN environment variable keeps it out of the process list' })
      .option('max-upload', { type: 'string', default: '1GiB', requiresArg: true, describe: 'Largest capture upload (POST /api/v1/analyze), e.g. 1GiB, 500MB' })
      .option('jobs-dir', { type: 'string', requiresArg: true, describe: 'Keep uploads and their analyses here (default: a temporary directory removed on exit)' })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'No start-up line on stderr' }) as unknown as Argv<ServeArgs>,
  run: (a, io) => runServe({ ...a, dirs: (a.dirs ?? []).map(String) }, io),
};

export default def;
