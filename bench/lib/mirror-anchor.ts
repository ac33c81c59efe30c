// The anchor of the terraform-init benchmark: `terraform providers mirror` output served as static
// files over HTTPS by nginx (bench/lib/nginx.ts), plus a variant copy whose <version>.json lists `zh:`
// before `h1:` (terraform authenticates a mirror package by the first listed hash that matches).
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { sha256File } from '../../test/support/provider-build.js';
import type { TestTls } from '../../test/support/tls.js';
import { NGINX_BIN, spawnNginx } from './nginx.js';

export interface NginxMirror {
  url: string;
  version: string;
  stop(): Promise<void>;
}

/**
 * Copies the `providers mirror` tree of `address` under `<root>/zh-first/` with each archive's `zh:` hash
 * (SHA-256 of the zip) listed before the `h1:` that `terraform providers mirror` wrote.
 */
export async function writeZhFirstCopy(root: string, address: string, version: string): Promise<void> {
  const from = join(root, address);
  const to = join(root, 'zh-first', address);
  cpSync(from, to, { recursive: true });
  const file = join(to, `${version}.json`);
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { archives: Record<string, { url: string; hashes?: string[] }> };
  for (const a of Object.values(doc.archives)) a.hashes = [`zh:${await sha256File(join(to, a.url))}`, ...(a.hashes ?? [])];
  writeFileSync(file, JSON.stringify(doc, null, 2));
}

/**
 * nginx serving `root` over HTTPS with the test certificate; ready once `probePath` answers 200 as
 * application/json (terraform's network mirror client requires that content type).
 */
export async function startNginxMirror(dir: string, root: string, tls: TestTls, probePath: string): Promise<NginxMirror> {
  const nginx = await spawnNginx(dir, {
    root,
    types: 'application/json json; application/zip zip;',
    defaultType: 'application/octet-stream',
    tls,
    comment: '`terraform providers mirror` output as static files',
  });
  const dispatcher = new Agent({ connect: { ca: tls.ca } });
  const probe = `${nginx.url}/${probePath}`;
  const deadline = Date.now() + 10_000;
  try {
    for (;;) {
      if (nginx.child.exitCode !== null) throw new Error(`nginx exited with ${nginx.child.exitCode} (conf ${nginx.conf})`);
      try {
        const res = await request(probe, { dispatcher });
        const body = await res.body.text();
        if (res.statusCode !== 200 || !String(res.headers['content-type']).startsWith('application/json')) {
          throw new Error(
            `nginx mirror ${probe}: HTTP ${res.statusCode}, content-type ${String(res.headers['content-type'])}: ${body.slice(0, 200)}`,
          );
        }
        break;
      } catch (err) {
        if (err instanceof Error && err.message.startsWith('nginx mirror')) throw err;
        if (Date.now() > deadline) throw new Error(`nginx did not answer on ${nginx.url} within 10 s (conf ${nginx.conf})`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  } catch (err) {
    await nginx.stop();
    throw err;
  } finally {
    await dispatcher.close();
  }
  const v = spawnSync(NGINX_BIN, ['-v'], { encoding: 'utf8' });
  return { url: nginx.url, version: `${v.stderr ?? ''}`.trim().replace('nginx version: ', ''), stop: nginx.stop };
}
