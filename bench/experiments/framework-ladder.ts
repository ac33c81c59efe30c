// EXPERIMENT (evidence for the metadata findings in bench/findings.md; not part of `npm run bench`):
// the per-request ceiling of each layer, serving the SAME JSON body on loopback with wrk -t1 -c64
// (server on CPU 0, wrk on CPU 1 when taskset works), medians of several runs:
//   nginx            static file (the anchor of scenario 1)
//   node:http        a bare Node server answering the constant body
//   hono             Hono + @hono/node-server answering the constant body with c.body()
//   hono+mw          the same plus a middleware doing what requestContext does (randomUUID, pino child
//                    with redaction, c.req.raw.signal, one access-log call below the level)
//   ours             tf-oci-registry, the providers.v1 `versions` route
// Run: node --import tsx bench/experiments/framework-ladder.ts [--runs=3] [--seconds=5]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent } from 'undici';
import { createRegistryStore } from '../../src/oci/remote/registry-store.js';
import { createBenchSigner } from '../lib/fixtures.js';
import { startNginx } from '../lib/nginx.js';
import { canPin, freePort, pinProcess, runMain, spawnTracked, stopAll, waitForHttp } from '../lib/processes.js';
import { startBenchRegistry } from '../lib/registry.js';
import { startServer } from '../lib/server.js';
import { fmtMs, fmtRate, median, ratio } from '../lib/stats.js';
import { runWrk, type WrkResult } from '../lib/wrk.js';
import { setupWidget } from '../scenarios/metadata.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

const SERVER_SOURCE = `
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import pino from 'pino';
const [kind, port, bodyFile] = process.argv.slice(2);
const body = readFileSync(bodyFile, 'utf8');
if (kind === 'node') {
  createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }).listen(Number(port), '127.0.0.1');
} else {
  const app = new Hono();
  if (kind === 'hono-mw') {
    const logger = pino({ level: 'warn', base: undefined, redact: { paths: ['*.authorization', '*.password', '*.token'], censor: '[redacted]' } },
      new Writable({ write: (_c, _e, cb) => cb() }));
    app.use('*', async (c, next) => {
      const started = performance.now();
      const id = randomUUID();
      const log = logger.child({ reqId: id });
      c.set('log', log);
      c.header('X-Request-Id', id);
      c.set('signal', c.req.raw.signal);
      try { await next(); } finally {
        log.info({ method: c.req.method, path: c.req.path, status: c.res.status, ms: performance.now() - started }, 'request');
      }
    });
  }
  app.get('*', (c) => {
    c.header('Content-Type', 'application/json');
    c.header('Cache-Control', 'no-store');
    return c.body(body);
  });
  serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(port) });
}
`;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string, def: number) => Number(argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? def);
  const runs = opt('runs', 3);
  const seconds = opt('seconds', 5);
  const pin = canPin() && cpus().length >= 2;
  const tmp = mkdtempSync(join(tmpdir(), 'tf-oci-ladder-'));
  const script = join(root, 'bench', 'experiments', `.ladder-${process.pid}.mjs`);
  try {
    const registry = await startBenchRegistry(join(tmp, 'registry'));
    const server = await startServer({ root, registryUrl: registry.url, logDir: tmp });
    const pushStore = createRegistryStore({
      url: registry.url,
      plainHttp: true,
      userAgent: 'tf-oci-bench-push',
      dispatcher: new Agent({ connections: 8 }),
    });
    const endpoints = await setupWidget({ pushStore, signer: await createBenchSigner(), server });
    const versions = endpoints.find((e) => e.id === 'versions')!;
    const res = await fetch(server.url + versions.path);
    const body = Buffer.from(await res.arrayBuffer());
    const bodyFile = join(tmp, 'body.json');
    writeFileSync(bodyFile, body);
    writeFileSync(script, SERVER_SOURCE);
    const nginx = await startNginx(join(tmp, 'nginx'), [{ path: versions.path, body }]);
    const targets: Array<{ name: string; url: string; pid: number }> = [
      { name: 'nginx (static file)', url: nginx.url + versions.path, pid: nginx.pid },
    ];
    for (const kind of ['node', 'hono', 'hono-mw'] as const) {
      const port = await freePort();
      const child = spawnTracked(process.execPath, [script, kind, String(port), bodyFile], { cwd: root });
      const url = `http://127.0.0.1:${port}${versions.path}`;
      await waitForHttp(url, child, kind);
      targets.push({
        name: {
          node: 'node:http, constant body',
          hono: 'Hono + node-server, constant body',
          'hono-mw': 'Hono + requestContext-like middleware',
        }[kind],
        url,
        pid: child.pid!,
      });
    }
    targets.push({ name: 'tf-oci-registry `versions` (20 versions)', url: server.url + versions.path, pid: server.pid });
    if (pin) for (const t of targets) pinProcess(t.pid, '0');
    const results = new Map<string, WrkResult[]>();
    for (const t of targets) await runWrk({ url: t.url, connections: 64, threads: 1, durationS: 2, ...(pin ? { cpus: '1' } : {}) }); // warm-up
    for (let i = 0; i < runs; i++) {
      for (const t of targets) {
        const r = await runWrk({
          url: t.url,
          connections: 64,
          threads: 1,
          durationS: seconds,
          serverPid: t.pid,
          ...(pin ? { cpus: '1' } : {}),
        });
        results.set(t.name, [...(results.get(t.name) ?? []), r]);
      }
    }
    const nginxRps = median(results.get(targets[0]!.name)!.map((r) => r.rps));
    const nginxCpu = median(results.get(targets[0]!.name)!.map((r) => r.cpuUsPerRequest));
    const lines = [
      `Same ${body.length}-byte body, wrk -t1 -c64, ${runs} × ${seconds} s, medians${pin ? '; servers on CPU 0, wrk on CPU 1' : ''}`,
      '',
      '| server | req/s | ratio to nginx | p50 | p99 | CPU µs/req | CPU ratio nginx/this |',
      '|---|---|---|---|---|---|---|',
      ...targets.map((t) => {
        const rs = results.get(t.name)!;
        const rps = median(rs.map((r) => r.rps));
        const cpu = median(rs.map((r) => r.cpuUsPerRequest));
        return `| ${t.name} | ${fmtRate(rps)} | ${ratio(rps, nginxRps)} | ${fmtMs(median(rs.map((r) => r.p50)))} | ${fmtMs(median(rs.map((r) => r.p99)))} | ${cpu.toFixed(1)} | ${ratio(nginxCpu, cpu)} |`;
      }),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    rmSync(script, { force: true });
    await stopAll();
    rmSync(tmp, { recursive: true, force: true });
  }
}

runMain(main);
