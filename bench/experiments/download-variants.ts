// EXPERIMENT (evidence for the download findings in bench/findings.md; not part of `npm run bench`):
// where does proxy throughput go? One registry with a 100 MB blob, and four ways to serve it, each a
// separate Node process on loopback, measured with curl like scenario 3:
//   direct     the registry blob URL (the anchor)
//   pipe       undici.request(blob) piped into the Node response: the floor of any Node proxy
//   pipe+sha   the same with a sha256 Transform in between (what DigestCounter does)
//   pipe+count the same with a byte-counting Transform with a 256 KiB buffer (SizeCounter, verify 'size')
//   pipe+hwm   the bare pipe with a 1 MiB undici body buffer (fewer pause/resume cycles)
//   pipe+http  the bare pipe with Node's own http client (node:http get) instead of undici
//   server     tf-oci-registry itself (the providers.v1 download_url)
// Run: node --import tsx bench/experiments/download-variants.ts [--runs=5] [--size=100]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { curlConcurrent, curlDownload } from '../lib/curl.js';
import { freePort, runMain, spawnTracked, stopAll, waitForHttp } from '../lib/processes.js';
import { fmtMBps, median, ratio } from '../lib/stats.js';
import { startBigZipStack } from './big-zip-stack.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** A minimal proxy: GET /<anything> streams the one blob from the registry, optionally hashing it. */
const PROXY_SOURCE = `
import { Agent as HttpAgent, createServer, get } from 'node:http';
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { Agent, request } from 'undici';
const [upstream, port, hash] = process.argv.slice(2);
const dispatcher = new Agent({ keepAliveTimeout: 30000, connections: 64 });
const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
createServer(async (req, res) => {
  if (hash === 'http') {
    get(upstream, { agent: httpAgent }, (up) => {
      res.writeHead(200, { 'content-length': up.headers['content-length'], 'content-type': 'application/zip' });
      up.pipe(res);
    });
    return;
  }
  const up = await request(upstream, { dispatcher, ...(hash === 'hwm' ? { highWaterMark: 1 << 20 } : {}) });
  res.writeHead(200, { 'content-length': up.headers['content-length'], 'content-type': 'application/zip' });
  let body = up.body;
  if (hash === 'sha') {
    const h = createHash('sha256');
    body = body.pipe(new Transform({ transform(chunk, _e, cb) { h.update(chunk); cb(null, chunk); } }));
  }
  if (hash === 'count') {
    let n = 0;
    body = body.pipe(new Transform({ highWaterMark: 256 * 1024, transform(chunk, _e, cb) { n += chunk.length; cb(null, chunk); } }));
  }
  body.pipe(res);
}).listen(Number(port), '127.0.0.1');
`;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string, def: number) => Number(argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? def);
  const runs = opt('runs', 5);
  const sizeMB = opt('size', 100);
  const tmp = mkdtempSync(join(tmpdir(), 'tf-oci-dlexp-'));
  try {
    const { proxyUrl, directUrl, size } = await startBigZipStack(root, tmp, sizeMB);
    // The proxies load undici from the repository's node_modules: write the script inside bench/.
    const script = join(root, 'bench', 'experiments', `.proxy-${process.pid}.mjs`);
    writeFileSync(script, PROXY_SOURCE);
    const urls: Record<string, string> = { direct: directUrl, server: proxyUrl };
    try {
      const label = { pipe: 'pipe', sha: 'pipe+sha', count: 'pipe+count', hwm: 'pipe+hwm', http: 'pipe+http' } as const;
      for (const variant of ['pipe', 'sha', 'count', 'hwm', 'http'] as const) {
        const port = await freePort();
        const child = spawnTracked(process.execPath, [script, directUrl, String(port), variant], { cwd: root });
        const url = `http://127.0.0.1:${port}/blob`;
        await waitForHttp(url, child, `proxy ${variant}`);
        urls[label[variant]] = url;
      }
      const names = ['direct', 'pipe', 'pipe+sha', 'pipe+count', 'pipe+hwm', 'pipe+http', 'server'];
      for (const n of names) await curlDownload(urls[n]!, size); // warm-up
      const one: Record<string, number[]> = {};
      const eight: Record<string, number[]> = {};
      for (let i = 0; i < runs; i++) {
        for (const n of names) {
          (one[n] ??= []).push((await curlDownload(urls[n]!, size)).speed);
          (eight[n] ??= []).push((await curlConcurrent(urls[n]!, size, 8)).aggregate);
        }
      }
      const lines = [
        `| variant | 1 client | ratio to direct | 8 clients (aggregate) | ratio to direct |`,
        `|---|---|---|---|---|`,
        ...names.map(
          (n) =>
            `| ${n} | ${fmtMBps(median(one[n]!))} | ${ratio(median(one[n]!), median(one.direct!))} | ${fmtMBps(median(eight[n]!))} | ${ratio(median(eight[n]!), median(eight.direct!))} |`,
        ),
      ];
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
