// Scenario 5 — load and memory (issue 17): many clients at once on the shared server process.
//   - 500 concurrent downloads of one 50 MB provider zip through its signed download URL (quick: 50 of
//     4 MB): the server's peak RSS during the round (VmHWM reset first through /proc/<pid>/clear_refs,
//     and a 50 ms VmRSS poll), and every body checked byte for byte (size and sha256 = the blob digest).
//   - 1,000 concurrent metadata clients (wrk -c1000, quick: -c200) on the warm mirror index.json:
//     requests/s, p50/p99 latency, non-2xx answers and socket errors; beside it, the same wrk against
//     nginx and the Node floor serving the same body (access logs on): what 1,000 connections on these
//     2 cores give a native server and the smallest Node server.
// The clients run in the bench process (undici, one connection per download) and in wrk; the server is
// the shared suite process (production build, default log level).
import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import type { BenchContext, Scenario, ScenarioResult, TargetCheck } from '../scenario.js';
import { setupBigZip } from './downloads.js';
import { procStatusKiB, sampleRss } from '../lib/processes.js';
import { fmtKiB, fmtMBps, fmtMs, fmtRate } from '../lib/stats.js';
import { runWrk, type WrkResult } from '../lib/wrk.js';
import { describeTcpDelta, readTcpCounters } from '../lib/tcp-counters.js';
import { AnchorRuns } from '../lib/anchor.js';
import { startNginx } from '../lib/nginx.js';
import { startNodeFloorStatic } from '../lib/node-floor.js';

const NAMESPACE = 'acme';
const TYPE = 'loadzip';
const RSS_TARGET_MB = 300;

const NGINX = 'nginx (static file, access log on)';
const FLOOR = 'Node floor (node:http + pino access line)';

/** One wrk run of the many-clients round, with the accept-queue overflows the kernel counted during it. */
type ManyClientsRun = WrkResult & { overflows: string };

/** One row of the many-clients table. */
function wrkRow(server: string, connections: number, r: ManyClientsRun): string[] {
  return [
    server,
    String(connections),
    fmtRate(r.rps),
    fmtMs(r.p50),
    fmtMs(r.p90),
    fmtMs(r.p99),
    String(r.non2xx),
    r.socketErrors > 0 ? `${r.socketErrors} (${r.socketErrorKinds})` : String(r.socketErrors),
    Number.isFinite(r.cpuUsPerRequest) ? r.cpuUsPerRequest.toFixed(0) : 'n/a',
    r.overflows,
  ];
}

/** Outcome of one download: bytes and whether they were the blob's. */
interface Fetched {
  bytes: number;
  ok: boolean;
  error?: string;
}

/** Downloads `url` and hashes the body as it streams (nothing buffered). */
async function fetchAndHash(url: string, dispatcher: Agent, size: number, digest: string): Promise<Fetched> {
  try {
    const res = await request(url, { dispatcher, headersTimeout: 300_000, bodyTimeout: 300_000 });
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of res.body) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    if (res.statusCode !== 200) return { bytes, ok: false, error: `HTTP ${res.statusCode}` };
    const ok = bytes === size && `sha256:${hash.digest('hex')}` === digest;
    return { bytes, ok, ...(ok ? {} : { error: `${bytes} of ${size} bytes or another digest` }) };
  } catch (err) {
    return { bytes: 0, ok: false, error: (err as Error).message };
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** The distinct warnings and errors (level >= 40) the server logged after byte `from`, at most 5: "msg (err)". */
function serverWarnings(logFile: string, from: number): string[] {
  let text = '';
  try {
    text = readFileSync(logFile).subarray(from).toString('utf8');
  } catch {
    return [];
  }
  const seen = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const o = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
      if ((o.level ?? 0) < 40) continue;
      const key = `"${o.msg ?? ''}"${o.err?.message ? ` (${o.err.message})` : ''}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    } catch {
      // not a JSON line
    }
  }
  return [...seen].slice(0, 5).map(([k, n]) => `${n} × ${k}`);
}

/** Resets the process's peak RSS (VmHWM) to its current RSS (Linux: clear_refs "5"); false when refused. */
function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export const loadScenario: Scenario = {
  id: 'load',
  title: '5. Load: 500 concurrent downloads, 1,000 concurrent metadata clients',
  quick: true,
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const clients = ctx.quick ? 50 : 500;
    const sizeMB = ctx.quick ? 4 : 50;
    const metadataClients = ctx.quick ? 200 : 1000;
    const durationS = ctx.quick ? 2 : 10;

    ctx.log(`load: generating a ${sizeMB} MB random provider zip and pushing it`);
    const { proxyUrl: url, size, digest } = await setupBigZip(ctx, sizeMB, TYPE);

    // Downloads: all at once, one connection each.
    const dispatcher = new Agent({ connections: clients + 8, pipelining: 1 });
    const reset = resetPeakRss(ctx.server.pid);
    const logFrom = fileSize(ctx.server.logFile);
    const tcp0 = readTcpCounters();
    const rss = sampleRss(ctx.server.pid, 50);
    ctx.log(`load: ${clients} concurrent downloads of ${sizeMB} MB`);
    const started = performance.now();
    const fetched = await Promise.all(Array.from({ length: clients }, () => fetchAndHash(url, dispatcher, size, digest)));
    const seconds = (performance.now() - started) / 1000;
    rss.stop();
    const kernel = describeTcpDelta(tcp0, readTcpCounters());
    const hwm = procStatusKiB(ctx.server.pid, 'VmHWM');
    await dispatcher.close();
    const bad = fetched.filter((f) => !f.ok);
    const bytes = fetched.reduce((a, f) => a + f.bytes, 0);
    const errors = [...new Set(bad.map((f) => f.error))].slice(0, 3).join('; ');
    const serverSaid = bad.length > 0 ? serverWarnings(ctx.server.logFile, logFrom) : [];
    ctx.log(`load: ${clients - bad.length}/${clients} byte-correct in ${seconds.toFixed(1)} s, peak RSS ${fmtKiB(hwm)}`);

    // Metadata: many connections on the warm mirror index.json.
    const indexPath = `/mirror/${ctx.server.registryHostname}/${NAMESPACE}/${TYPE}/index.json`;
    const warm = await fetch(ctx.server.url + indexPath);
    const body = Buffer.from(await warm.arrayBuffer());
    if (warm.status !== 200) throw new Error(`GET ${indexPath}: ${warm.status}`);
    ctx.log(`load: wrk -c${metadataClients} for ${durationS} s on index.json`);
    const manyClients = async (url: string, pid?: number): Promise<ManyClientsRun> => {
      const before = readTcpCounters();
      const r = await runWrk({
        url: url + indexPath,
        connections: metadataClients,
        threads: 2,
        durationS,
        ...(pid !== undefined ? { serverPid: pid } : {}),
      });
      const after = readTcpCounters();
      return { ...r, overflows: before && after ? String(after.ListenOverflows - before.ListenOverflows) : 'n/a' };
    };
    const wrk = await manyClients(ctx.server.url, ctx.server.pid);
    // The same clients against nginx and the Node floor serving the same body (anchors: retried, never fatal).
    const anchors = new AnchorRuns({ log: (m) => ctx.log(`load: ${m}`) });
    const files = [{ path: indexPath, body }];
    const anchorRows: [string, ManyClientsRun | undefined][] = [];
    for (const [name, start] of [
      [NGINX, () => startNginx(join(ctx.tmp, 'load-nginx'), files, { accessLog: true })],
      [FLOOR, () => startNodeFloorStatic(join(ctx.tmp, 'load-node-floor'), files)],
    ] as const) {
      const server = await anchors.measure(name, start);
      const result = server && (await anchors.measure(name, () => manyClients(server.url, server.pid)));
      await server?.stop();
      anchorRows.push([name, result]);
      if (result) ctx.log(`load: ${name}: ${fmtRate(result.rps)}/s, p99 ${fmtMs(result.p99)}`);
    }

    const targets: TargetCheck[] = [
      {
        target: `every body of ${clients} concurrent downloads byte-correct`,
        measured: `${clients - bad.length} of ${clients}`,
        met: bad.length === 0,
      },
      {
        target: `server peak RSS during ${clients} concurrent downloads < ${RSS_TARGET_MB} MB`,
        measured: fmtKiB(reset ? hwm : rss.maxKiB),
        met: (reset ? hwm : rss.maxKiB) < RSS_TARGET_MB * 1024,
      },
      {
        target: `${metadataClients} concurrent metadata clients: no errors`,
        measured: `${wrk.non2xx} non-2xx, ${wrk.socketErrors} socket errors${wrk.socketErrors > 0 ? ` (${wrk.socketErrorKinds})` : ''}, p99 ${fmtMs(wrk.p99)}`,
        met: wrk.non2xx === 0 && wrk.socketErrors === 0,
      },
    ];
    return {
      tables: [
        {
          title: `${clients} concurrent downloads of a ${sizeMB} MB zip through its signed download URL (proxy mode)`,
          columns: [
            'clients',
            'byte-correct',
            'wall time',
            'aggregate',
            'server peak RSS (VmHWM)',
            'max polled VmRSS',
            'failures',
            'kernel TCP during the round (system-wide)',
          ],
          rows: [
            [
              String(clients),
              `${clients - bad.length}`,
              `${seconds.toFixed(1)} s`,
              fmtMBps(bytes / seconds),
              reset ? fmtKiB(hwm) : 'n/a (clear_refs refused)',
              fmtKiB(rss.maxKiB),
              bad.length === 0 ? '0' : `${bad.length}: ${errors}`,
              kernel,
            ],
          ],
        },
        {
          title: `${metadataClients} concurrent clients on the warm mirror index.json (wrk -t2 -c${metadataClients}, ${durationS} s)`,
          columns: [
            'server',
            'connections',
            'req/s',
            'p50',
            'p90',
            'p99',
            'non-2xx',
            'socket errors',
            'CPU µs/req',
            'accept-queue overflows (system)',
          ],
          rows: [
            wrkRow('tf-oci-registry', metadataClients, wrk),
            ...anchorRows.map(([name, r]) =>
              r
                ? wrkRow(`anchor: ${name}`, metadataClients, r)
                : [`anchor: ${name}`, String(metadataClients), 'unavailable', '', '', '', '', '', '', ''],
            ),
          ],
        },
      ],
      targets,
      notes: [
        ...serverSaid.map((line) => `Failed downloads: the server logged ${line}`),
        ...anchors.notes(),
        'Anchors of the 1,000-client row: nginx (one worker, JSON access log to a file) and the Node floor (bench/lib/node-floor-static.ts: node:http and a pino access line) serving the same index.json body from a file or memory; the same wrk command, one after the other.',
        'Every download body is hashed as it arrives (sha256, compared with the blob digest) and its length checked; nothing is buffered by the client.',
        'Peak RSS: VmHWM of the shared server process, reset to its current RSS (/proc/<pid>/clear_refs, "5") just before the downloads start, so it is the peak of this round alone; the 50 ms VmRSS poll is a cross-check.',
        "Kernel TCP: deltas of /proc/net/netstat and /proc/net/snmp (bench/lib/tcp-counters.ts). 500 streams through a proxy keep up to three socket buffers each (registry to server, server to client, both auto-tuned to megabytes while a client reads slower than the registry sends); past tcp_mem's pressure mark (/proc/sys/net/ipv4/tcp_mem, sized from the RAM) the kernel prunes receive queues and the dropped segments come back after retransmission timeouts that double up to 120 s. A stream stalled that way for request_timeout (30 s) is cut by the server as a client that stopped reading: with pressure in this column, failed downloads are the machine's, not a fault of the server (any proxy keeps the same buffers).",
        'wrk and the undici clients run on the same 2 cores as the server: the latencies include their own CPU share, and are an upper bound of what the server alone would give.',
      ],
    };
  },
};
