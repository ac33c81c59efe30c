// EXPERIMENT (evidence for issue 16's start-up findings in bench/findings.md; not part of `npm run bench`):
// process start to ready and memory at rest of the compiled server (`node <dist>/main.js serve`, as in the
// Docker image), on a fresh layout store and on a registry store (a real Distribution), run after run:
// wall time from spawn to the first 200 on /healthz (polled every 5 ms), the server's CPU time at that
// moment (user + system, all threads: what the shared machine cannot steal), VmRSS then and after 2 s
// idle, split into anonymous and file-backed pages (/proc/<pid>/status RssAnon/RssFile), and the
// server's own "ready" log line (its start-up phases).
// Run: node --import tsx bench/experiments/startup.ts [--runs=7] [--entry=dist-bench/main.js] [--store=layout,registry]
//      (--entry: an already compiled main.js, e.g. of another checkout, to compare; default: build this tree)
//      [--node-arg=--cpu-prof --node-arg=--cpu-prof-dir=/tmp/prof] (extra node flags for the server)
//      [--env=MALLOC_PERTURB_=0] (extra environment of the server, repeatable: here, keepFreedMemory off)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDistribution } from '../../test/support/distribution.js';
import { freePort, procCpuMs, runMain } from '../lib/processes.js';
import { buildServer } from '../lib/server.js';
import { median } from '../lib/stats.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Run {
  readyMs: number;
  cpuMs: number;
  rssReadyKiB: number;
  rssIdleKiB: number;
  anonIdleKiB: number;
  fileIdleKiB: number;
  phases: string;
}

function status(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const m = /^(\w+):\s+(\d+) kB/.exec(line);
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}

function healthz(port: number): Promise<number> {
  return new Promise((done) => {
    const req = request({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? 0));
    });
    req.on('error', () => done(0));
    req.end();
  });
}

async function once(entry: string, env: Record<string, string>, nodeArgs: string[]): Promise<Run> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, entry, 'serve'], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'production',
      TF_OCI_REGISTRY_SERVER_LISTEN: `127.0.0.1:${port}`,
      TF_OCI_REGISTRY_SERVER_PUBLIC_URL: `http://127.0.0.1:${port}/`,
      TF_OCI_REGISTRY_SERVER_SECRETS: 'startup-experiment-secret-0123456789abcdef',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const t0 = performance.now();
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}): ${out}`);
      if ((await healthz(port)) === 200) break;
      if (performance.now() - t0 > 60_000) throw new Error(`not ready after 60 s: ${out}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    const readyMs = performance.now() - t0;
    const cpuMs = procCpuMs(child.pid!);
    const rssReadyKiB = status(child.pid!).VmRSS ?? Number.NaN;
    await new Promise((r) => setTimeout(r, 2000));
    const idle = status(child.pid!);
    const ready = out.split('\n').find((l) => l.includes('"msg":"started"'));
    const phases = ready ? (/"startup":(\{[^}]*\})/.exec(ready)?.[1] ?? '') : '';
    return {
      readyMs,
      cpuMs,
      rssReadyKiB,
      rssIdleKiB: idle.VmRSS ?? Number.NaN,
      anonIdleKiB: idle.RssAnon ?? Number.NaN,
      fileIdleKiB: idle.RssFile ?? Number.NaN,
      phases,
    };
  } finally {
    child.kill('SIGKILL');
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string): string | undefined => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const runs = Number(opt('runs') ?? 7);
  const stores = (opt('store') ?? 'layout,registry').split(',');
  const nodeArgs = argv.filter((a) => a.startsWith('--node-arg=')).map((a) => a.slice('--node-arg='.length));
  const extraEnv = Object.fromEntries(
    argv
      .filter((a) => a.startsWith('--env='))
      .map((a) => {
        const [k, ...v] = a.slice('--env='.length).split('=');
        return [k!, v.join('=')];
      }),
  );
  const given = opt('entry');
  const entry = given ? resolve(given) : await buildServer(root);
  const tmp = mkdtempSync(join(tmpdir(), 'tf-oci-startup-'));
  const registry = stores.includes('registry') ? await startDistribution() : undefined;
  try {
    for (const store of stores) {
      const results: Run[] = [];
      for (let i = 0; i < runs; i++) {
        const env: Record<string, string> =
          store === 'layout'
            ? { TF_OCI_REGISTRY_STORAGE_KIND: 'layout', TF_OCI_REGISTRY_STORAGE_PATH: join(tmp, `layout-${i}`) }
            : {
                TF_OCI_REGISTRY_STORAGE_KIND: 'registry',
                TF_OCI_REGISTRY_STORAGE_URL: registry!.url,
                TF_OCI_REGISTRY_STORAGE_PLAIN_HTTP: 'true',
              };
        const r = await once(entry, { ...env, ...extraEnv }, nodeArgs);
        results.push(r);
        console.log(
          `${store} run ${i + 1}: ready ${r.readyMs.toFixed(0)} ms, cpu ${r.cpuMs.toFixed(0)} ms, rss ready ${(r.rssReadyKiB / 1024).toFixed(1)} MB, ` +
            `idle ${(r.rssIdleKiB / 1024).toFixed(1)} MB (anon ${(r.anonIdleKiB / 1024).toFixed(1)}, file ${(r.fileIdleKiB / 1024).toFixed(1)}) ${r.phases}`,
        );
      }
      const m = (f: (r: Run) => number): number => median(results.map(f));
      console.log(
        `${store} median of ${runs}: ready ${m((r) => r.readyMs).toFixed(0)} ms, cpu ${m((r) => r.cpuMs).toFixed(0)} ms, ` +
          `rss ready ${(m((r) => r.rssReadyKiB) / 1024).toFixed(1)} MB, idle ${(m((r) => r.rssIdleKiB) / 1024).toFixed(1)} MB ` +
          `(anon ${(m((r) => r.anonIdleKiB) / 1024).toFixed(1)}, file ${(m((r) => r.fileIdleKiB) / 1024).toFixed(1)})`,
      );
    }
  } finally {
    await registry?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

runMain(main);
