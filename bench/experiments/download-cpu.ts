// EXPERIMENT (evidence for issue 16's download findings in bench/findings.md; not part of `npm run bench`):
// CPU time and minor page faults of the proxying process per GB, for one 100 MB blob served by:
//   nginx      Debian nginx as a reverse proxy (the native copying-proxy anchor)
//   undici     a bare Node proxy: undici.request(blob).body piped into the response
//   http       a bare Node proxy with node:http's client (native llhttp, no WASM copy)
//   tsx ...    the project's own blob client and response code in a minimal server (download-cpu-proxy.ts)
//   server     tf-oci-registry itself (its download_url)
// Each download is one curl; the proxy's utime+stime and minflt are read from /proc before and after.
// Run: node --import tsx bench/experiments/download-cpu.ts [--runs=5] [--size=100]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { curlDownload } from '../lib/curl.js';
import { startNginxProxy } from '../lib/nginx.js';
import { childPids, freePort, runMain, spawnTracked, stopAll, waitForHttp } from '../lib/processes.js';
import { median } from '../lib/stats.js';
import { startBigZipStack } from './big-zip-stack.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

const PROXY_SOURCE = `
import { Agent as HttpAgent, createServer, get } from 'node:http';
import { Agent, request } from 'undici';
const [upstream, port, kind] = process.argv.slice(2);
const dispatcher = new Agent({ keepAliveTimeout: 30000, connections: 64 });
const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
createServer(async (req, res) => {
  if (kind === 'http') {
    get(upstream, { agent: httpAgent }, (up) => {
      res.writeHead(200, { 'content-length': up.headers['content-length'], 'content-type': 'application/zip' });
      up.pipe(res);
    });
    return;
  }
  const up = await request(upstream, { dispatcher });
  res.writeHead(200, { 'content-length': up.headers['content-length'], 'content-type': 'application/zip' });
  up.body.pipe(res);
}).listen(Number(port), '127.0.0.1');
`;

/** utime+stime (ms) and minflt of a process (and its threads). */
function procStat(pid: number): { cpuMs: number; minflt: number } {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  const tick = 10; // CLK_TCK 100 on Linux
  return { cpuMs: (Number(rest[11]) + Number(rest[12])) * tick, minflt: Number(rest[7]) };
}

/** A process and its descendants (nginx's workers). */
function withDescendants(pid: number): number[] {
  return [pid, ...childPids(pid).flatMap(withDescendants)];
}

function statAll(pids: number[]): { cpuMs: number; minflt: number } {
  return pids.map(procStat).reduce((a, b) => ({ cpuMs: a.cpuMs + b.cpuMs, minflt: a.minflt + b.minflt }), { cpuMs: 0, minflt: 0 });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string, def: number) => Number(argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? def);
  const runs = opt('runs', 5);
  const sizeMB = opt('size', 100);
  const tmp = mkdtempSync(join(tmpdir(), 'tf-oci-dlcpu-'));
  try {
    const { server, proxyUrl, directUrl, size } = await startBigZipStack(root, tmp, sizeMB);
    const script = join(root, 'bench', 'experiments', `.proxy-${process.pid}.mjs`);
    writeFileSync(script, PROXY_SOURCE);
    const targets: { name: string; url: string; pids: () => number[] }[] = [];
    try {
      const nginx = await startNginxProxy(join(tmp, 'nginx'), new URL(directUrl).origin);
      targets.push({ name: 'nginx proxy', url: nginx.url + new URL(directUrl).pathname, pids: () => withDescendants(nginx.pid) });
      for (const kind of ['undici', 'http']) {
        const port = await freePort();
        const child = spawnTracked(process.execPath, [script, directUrl, String(port), kind], { cwd: root });
        const url = `http://127.0.0.1:${port}/blob`;
        await waitForHttp(url, child, `proxy ${kind}`, 90_000);
        targets.push({ name: `bare node (${kind})`, url, pids: () => [child.pid!] });
      }
      for (const kind of ['store-pump', 'hono', 'hono-signal']) {
        const port = await freePort();
        const child = spawnTracked(
          process.execPath,
          ['--import', 'tsx', join(root, 'bench/experiments/download-cpu-proxy.ts'), directUrl, String(port), kind],
          { cwd: root },
        );
        const url = `http://127.0.0.1:${port}/blob`;
        await waitForHttp(url, child, `proxy ${kind}`, 90_000);
        targets.push({ name: `tsx ${kind}`, url, pids: () => [child.pid!] });
      }
      targets.push({ name: 'tf-oci-registry', url: proxyUrl, pids: () => [server.pid] });
      for (const t of targets) await curlDownload(t.url, size);
      const res: Record<string, { mbps: number[]; cpu: number[]; flt: number[] }> = {};
      for (let i = 0; i < runs; i++) {
        for (const t of targets) {
          const pids = t.pids();
          const a = statAll(pids);
          const r = await curlDownload(t.url, size);
          const b = statAll(pids);
          const e = (res[t.name] ??= { mbps: [], cpu: [], flt: [] });
          e.mbps.push(r.speed / 1e6);
          e.cpu.push((((b.cpuMs - a.cpuMs) / size) * 1e9) / 1000);
          e.flt.push(((b.minflt - a.minflt) / size) * 1e8);
        }
      }
      const lines = ['| proxy | MB/s (median) | CPU s per GB | minor faults per 100 MB |', '|---|---|---|---|'];
      for (const t of targets) {
        const e = res[t.name]!;
        lines.push(`| ${t.name} | ${median(e.mbps).toFixed(0)} | ${median(e.cpu).toFixed(2)} | ${median(e.flt).toFixed(0)} |`);
      }
      process.stdout.write(`${sizeMB} MB blob, ${runs} runs, medians\n\n${lines.join('\n')}\n`);
    } finally {
      rmSync(script, { force: true });
    }
  } finally {
    await stopAll();
    rmSync(tmp, { recursive: true, force: true });
  }
}

runMain(main);
