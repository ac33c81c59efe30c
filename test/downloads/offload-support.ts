// The download-offload stack of docs/mirror.md#download-offload for tests: the server's application served
// on a Node listener (as `serve` does: the pipeline's Node front around Hono's listener), behind a real
// nginx running the DOCUMENTED configuration (the ```nginx block naming X-Tf-Oci-Download-Offload), with the
// test's addresses substituted and TLS left out, wrapped in a foreground nginx's main block.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { getRequestListener } from '@hono/node-server';
import type { AuthTestApp } from '../auth/support.js';
import { NGINX_BIN, nginxConfig } from '../support/nginx-conf.js';

export { NGINX_BIN };

/** The documented offload site (docs/mirror.md, the ```nginx block with X-Tf-Oci-Download-Offload). */
export async function documentedOffloadSite(): Promise<string> {
  const text = await readFile(fileURLToPath(new URL('../../docs/mirror.md', import.meta.url)), 'utf8');
  const block = [...text.matchAll(/```nginx\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes('X-Tf-Oci-Download-Offload'));
  if (!block) throw new Error('docs/mirror.md has no ```nginx block with X-Tf-Oci-Download-Offload');
  return block;
}

function replaceAll(text: string, replacements: Array<[string | RegExp, string]>): string {
  let out = text;
  for (const [from, to] of replacements) {
    const found = typeof from === 'string' ? out.includes(from) : from.test(out);
    if (!found) throw new Error(`the documented nginx configuration no longer contains ${String(from)}`);
    out = typeof from === 'string' ? out.split(from).join(to) : out.replace(from, to);
  }
  return out;
}

export interface OffloadFront {
  /** nginx: http://127.0.0.1:<port> (the server's public URL). */
  url: string;
  /** The server's own listener, without nginx. */
  serverUrl: string;
  stop(): Promise<void>;
}

/** The documented internal location for a layout directory (docs/mirror.md, inline in the offload section). */
export async function documentedLayoutLocation(): Promise<string> {
  const text = await readFile(fileURLToPath(new URL('../../docs/mirror.md', import.meta.url)), 'utf8');
  const found = /`(location \/_tf_oci_blobs\/ \{ internal; alias \/var\/lib\/tf-oci-registry\/; \})`/.exec(text)?.[1];
  if (!found) throw new Error('docs/mirror.md no longer documents the layout location of the download offload');
  return found;
}

/**
 * Serves `t` on a Node listener and starts nginx (on `port`) with the documented site proxying `blobOrigin`,
 * or, with `layoutRoot`, with the documented layout location serving that directory instead.
 */
export async function startOffloadFront(opts: {
  dir: string;
  port: number;
  t: AuthTestApp;
  blobOrigin?: string;
  layoutRoot?: string;
}): Promise<OffloadFront> {
  const server: Server = createServer(opts.t.nodeFront(getRequestListener(opts.t.app.fetch)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const common: Array<[string | RegExp, string]> = [
    ['listen 443 ssl;', `listen 127.0.0.1:${opts.port};`],
    [/\n\s*ssl_certificate\s[^\n]*/, ''],
    [/\n\s*ssl_certificate_key\s[^\n]*/, ''],
    ['http://tf-oci-registry.internal:8080', serverUrl],
  ];
  const site = opts.layoutRoot
    ? replaceAll(await documentedOffloadSite(), [
        ...common,
        [
          /location \/_tf_oci_blobs\/ \{[\s\S]*?\n {4}\}/,
          (await documentedLayoutLocation()).replace('/var/lib/tf-oci-registry/', `${opts.layoutRoot.replace(/\/$/, '')}/`),
        ],
      ])
    : replaceAll(await documentedOffloadSite(), [
        ...common,
        ['https://registry.internal.example.com/', `${opts.blobOrigin}/`],
        ['proxy_ssl_server_name on;', ''],
      ]);
  const dir = opts.dir;
  const conf = join(dir, 'nginx.conf');
  await writeFile(
    conf,
    nginxConfig({
      dir,
      generatedBy: 'test/downloads/offload-support.ts around the site of docs/mirror.md#download-offload',
      workerConnections: 256,
      http: `  access_log off;
${site}`,
    }),
  );
  const child: ChildProcess = spawn(NGINX_BIN, ['-p', dir, '-c', conf, '-e', join(dir, 'logs', 'error.log')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  const url = `http://127.0.0.1:${opts.port}`;
  const deadline = Date.now() + 30_000;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await once(child, 'exit');
      clearTimeout(timer);
    }
    await new Promise<void>((r) => server.close(() => r()));
  };
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}:\n${output.join('')}`);
      const ok = await fetch(`${url}/healthz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`nginx did not answer within 30 s:\n${output.join('')}`);
      await sleep(100);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, serverUrl, stop };
}
