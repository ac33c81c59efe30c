// The real nginx load balancer of docs/operations.md#replicas for tests: the documented configuration
// (its ```nginx block) with the test's replica addresses, port, certificate and file paths substituted,
// wrapped in a foreground nginx's main block (own prefix, pid, logs and temp paths), plus an access log
// naming the replica (upstream) of every request so a test can see where requests went.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { freePort } from '../support/distribution.js';
import { NGINX_BIN, nginxConfig } from '../support/nginx-conf.js';

export { NGINX_BIN };

export interface LoadBalancer {
  url: string;
  /** nginx's pid (one process: master_process off). */
  pid: number;
  /** `upstream-address path` of every request so far, in order. */
  accessLog(): Promise<Array<{ upstream: string; path: string }>>;
  stop(): Promise<void>;
}

/** The documented nginx site configuration (docs/operations.md, first ```nginx block). */
export async function documentedNginxSite(): Promise<string> {
  const text = await readFile(fileURLToPath(new URL('../../docs/operations.md', import.meta.url)), 'utf8');
  const block = /```nginx\n([\s\S]*?)```/.exec(text)?.[1];
  if (!block) throw new Error('docs/operations.md has no ```nginx block');
  return block;
}

/** Replaces each `from` (which must occur) in `text`. */
function replaceAll(text: string, replacements: Array<[string, string]>): string {
  let out = text;
  for (const [from, to] of replacements) {
    if (!out.includes(from)) throw new Error(`the documented nginx configuration no longer contains "${from}"`);
    out = out.split(from).join(to);
  }
  return out;
}

export async function startLoadBalancer(opts: {
  dir: string;
  replicas: string[];
  certPath: string;
  keyPath: string;
  ca: string;
  /** The port to listen on (the replicas' public URL names it); default a free one. */
  port?: number;
}): Promise<LoadBalancer> {
  const site = await documentedNginxSite();
  const port = opts.port ?? (await freePort());
  const documented = ['replica-1.internal:8080', 'replica-2.internal:8080', 'replica-3.internal:8080'];
  if (opts.replicas.length !== documented.length) throw new Error(`the documented configuration has ${documented.length} replicas`);
  const conf = replaceAll(site, [
    ...documented.map((d, i): [string, string] => [d, opts.replicas[i]!]),
    ['listen 443 ssl;', `listen 127.0.0.1:${port} ssl;`],
    ['/etc/nginx/tls/cert.pem', opts.certPath],
    ['/etc/nginx/tls/key.pem', opts.keyPath],
  ]);
  const log = join(opts.dir, 'logs', 'access.log');
  const main = join(opts.dir, 'nginx.conf');
  await writeFile(
    main,
    nginxConfig({
      dir: opts.dir,
      generatedBy: 'test/replicas/load-balancer.ts around the site of docs/operations.md#replicas',
      workerConnections: 1024,
      http: `  log_format upstreams '$upstream_addr $request_uri';
  access_log ${log} upstreams;
${conf}`,
    }),
  );
  const child: ChildProcess = spawn(NGINX_BIN, ['-p', opts.dir, '-c', main], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  const url = `https://localhost:${port}`;
  const dispatcher = new Agent({ connect: { ca: opts.ca } });
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}:\n${output.join('')}`);
      try {
        const res = await request(`${url}/healthz`, { dispatcher });
        await res.body.text();
        if (res.statusCode === 200) break;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error(`nginx did not answer within 30 s:\n${output.join('')}`);
      await sleep(100);
    }
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  } finally {
    await dispatcher.close();
  }
  return {
    url,
    pid: child.pid!,
    async accessLog() {
      const text = await readFile(log, 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [upstream, path] = line.split(' ');
          return { upstream: upstream!, path: path! };
        });
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await once(child, 'exit');
      clearTimeout(timer);
    },
  };
}
