// Scenario 5 — load and memory (issue 17): many clients at once on the shared server process.
//   - 500 concurrent downloads of one 50 MB provider zip through its signed download URL (quick: 50 of
//     4 MB): the server's peak RSS during the round (VmHWM reset first through /proc/<pid>/clear_refs,
//     and a 50 ms VmRSS poll), and every body checked byte for byte (size and sha256 = the blob digest).
//   - 1,000 concurrent metadata clients (wrk -c1000, quick: -c200) on the warm mirror index.json:
//     requests/s, p50/p99 latency, non-2xx answers and socket errors.
// The clients run in the bench process (undici, one connection per download) and in wrk; the server is
// the shared suite process (production build, default log level).
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import type { BenchContext, Scenario, ScenarioResult, TargetCheck } from '../scenario.js';
import { setupBigZip } from './downloads.js';
import { procStatusKiB, sampleRss } from '../lib/processes.js';
import { fmtKiB, fmtMBps, fmtMs, fmtRate } from '../lib/stats.js';
import { runWrk } from '../lib/wrk.js';

const NAMESPACE = 'acme';
const TYPE = 'loadzip';
const RSS_TARGET_MB = 300;

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
    const rss = sampleRss(ctx.server.pid, 50);
    ctx.log(`load: ${clients} concurrent downloads of ${sizeMB} MB`);
    const started = performance.now();
    const fetched = await Promise.all(Array.from({ length: clients }, () => fetchAndHash(url, dispatcher, size, digest)));
    const seconds = (performance.now() - started) / 1000;
    rss.stop();
    const hwm = procStatusKiB(ctx.server.pid, 'VmHWM');
    await dispatcher.close();
    const bad = fetched.filter((f) => !f.ok);
    const bytes = fetched.reduce((a, f) => a + f.bytes, 0);
    const errors = [...new Set(bad.map((f) => f.error))].slice(0, 3).join('; ');
    ctx.log(`load: ${clients - bad.length}/${clients} byte-correct in ${seconds.toFixed(1)} s, peak RSS ${fmtKiB(hwm)}`);

    // Metadata: many connections on the warm mirror index.json.
    const indexPath = `/mirror/${ctx.server.registryHostname}/${NAMESPACE}/${TYPE}/index.json`;
    const warm = await fetch(ctx.server.url + indexPath);
    await warm.arrayBuffer();
    if (warm.status !== 200) throw new Error(`GET ${indexPath}: ${warm.status}`);
    ctx.log(`load: wrk -c${metadataClients} for ${durationS} s on index.json`);
    const wrk = await runWrk({
      url: ctx.server.url + indexPath,
      connections: metadataClients,
      threads: 2,
      durationS,
      serverPid: ctx.server.pid,
    });

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
        measured: `${wrk.non2xx} non-2xx, ${wrk.socketErrors} socket errors, p99 ${fmtMs(wrk.p99)}`,
        met: wrk.non2xx === 0 && wrk.socketErrors === 0,
      },
    ];
    return {
      tables: [
        {
          title: `${clients} concurrent downloads of a ${sizeMB} MB zip through its signed download URL (proxy mode)`,
          columns: ['clients', 'byte-correct', 'wall time', 'aggregate', 'server peak RSS (VmHWM)', 'max polled VmRSS', 'failures'],
          rows: [
            [
              String(clients),
              `${clients - bad.length}`,
              `${seconds.toFixed(1)} s`,
              fmtMBps(bytes / seconds),
              reset ? fmtKiB(hwm) : 'n/a (clear_refs refused)',
              fmtKiB(rss.maxKiB),
              bad.length === 0 ? '0' : `${bad.length}: ${errors}`,
            ],
          ],
        },
        {
          title: `${metadataClients} concurrent clients on the warm mirror index.json (wrk -t2 -c${metadataClients}, ${durationS} s)`,
          columns: ['connections', 'req/s', 'p50', 'p90', 'p99', 'non-2xx', 'socket errors', 'CPU µs/req'],
          rows: [
            [
              String(metadataClients),
              fmtRate(wrk.rps),
              fmtMs(wrk.p50),
              fmtMs(wrk.p90),
              fmtMs(wrk.p99),
              String(wrk.non2xx),
              String(wrk.socketErrors),
              wrk.cpuUsPerRequest.toFixed(0),
            ],
          ],
        },
      ],
      targets,
      notes: [
        'Every download body is hashed as it arrives (sha256, compared with the blob digest) and its length checked; nothing is buffered by the client.',
        'Peak RSS: VmHWM of the shared server process, reset to its current RSS (/proc/<pid>/clear_refs, "5") just before the downloads start, so it is the peak of this round alone; the 50 ms VmRSS poll is a cross-check.',
        'wrk and the undici clients run on the same 2 cores as the server: the latencies include their own CPU share, and are an upper bound of what the server alone would give.',
      ],
    };
  },
};
