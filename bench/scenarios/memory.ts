// Scenario 4 — memory: the peak RSS of the server process across the whole suite (it runs last). The
// kernel's VmHWM is the true peak; the 100 ms VmRSS poll is a cross-check. Target < 300 MB.
import type { BenchContext, Scenario, ScenarioResult } from '../scenario.js';
import { procStatusKiB } from '../lib/processes.js';
import { fmtKiB } from '../lib/stats.js';

export const memoryScenario: Scenario = {
  id: 'memory',
  title: '4. Memory: server peak RSS across the suite',
  quick: true,
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const hwm = ctx.server.hwmKiB();
    const now = procStatusKiB(ctx.server.pid, 'VmRSS');
    return {
      tables: [
        {
          title: 'tf-oci-registry server process (node dist-bench/main.js serve: the compiled build)',
          columns: ['start to ready', 'idle after start', 'peak (VmHWM)', 'max polled VmRSS', 'at the end'],
          rows: [
            [`${ctx.server.startMs.toFixed(0)} ms`, fmtKiB(ctx.server.idleRssKiB), fmtKiB(hwm), fmtKiB(ctx.server.rss.maxKiB), fmtKiB(now)],
          ],
        },
        {
          title: 'start-up phases of that process (its "started" log line: ms since the process started)',
          columns: [
            'node + command line',
            'server code loaded',
            'configuration',
            'logger + malloc trim',
            'store',
            'application built',
            'listening',
          ],
          rows: [startupRow(ctx.server.startup)],
        },
        {
          title: 'largest polled RSS of that process during each scenario (VmRSS every 100 ms), in run order',
          columns: ['scenario', 'max VmRSS'],
          rows: [...ctx.serverPeaks].map(([id, kib]) => [id, fmtKiB(kib)]),
        },
      ],
      targets: [{ target: 'peak RSS of the server across the suite < 300 MB', measured: fmtKiB(hwm), met: hwm < 300 * 1024 }],
      notes: [
        'Measured over every scenario that ran before this one in the same server process (metadata load, 1,000-version listings, concurrent 100 MB downloads).',
        '"start to ready": from spawning the process to its first 200 on /healthz (polled every few ms), on a machine shared with the other scenarios\' processes; openpgp (signature checks) loads lazily, on first use.',
        'The process runs the compiled build (tsc, as in the Docker image), not tsx: no TypeScript loader thread or transpile cache in its RSS.',
        'Start-up phases: "server code loaded" is the import of the whole application (about 480 modules); prom-client (metrics off), undici (layout stores without upstreams), tar/zip libraries and openpgp load on first use. Details: bench/findings.md "Start-up" and bench/experiments/startup.ts.',
      ],
    };
  },
};

/** The server's start-up marks (src/cli/serve.ts) as one row; "n/a" when its log line had none. */
function startupRow(marks: Record<string, number> | undefined): string[] {
  const at = (k: string): string => (marks?.[k] === undefined ? 'n/a' : `${marks[k]} ms`);
  return [at('cli'), at('code'), at('config'), at('trim'), at('store'), at('app'), at('listening')];
}
