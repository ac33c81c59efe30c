// Starts the Node floor anchors as their own processes on free ports: the proxy of a blob
// (bench/lib/node-floor-proxy.ts) for the downloads scenario, the static server of the metadata bodies
// with an access log (bench/lib/node-floor-static.ts) for the metadata scenario. Both start with the heap
// flags our server starts with (src/cli/heap-flags.ts).
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVE_NODE_FLAGS } from '../../src/cli/heap-flags.js';
import type { NginxAnchor } from './nginx.js';
import { freePort, spawnTracked, stopChild, waitForHttp } from './processes.js';

const SCRIPT = fileURLToPath(new URL('./node-floor-proxy.ts', import.meta.url));
const STATIC_SCRIPT = fileURLToPath(new URL('./node-floor-static.ts', import.meta.url));

export async function startNodeFloor(origin: string, client: 'undici' | 'node-http' | 'pooled'): Promise<NginxAnchor> {
  const port = await freePort();
  // The allocator setting our server makes at start (src/cli/malloc-trim.ts), given here through glibc's
  // environment: without it a Node proxy pays a page fault per 4 KiB (bench/findings.md), which is not the runtime's limit.
  const child = spawnTracked(process.execPath, [...SERVE_NODE_FLAGS, '--import', 'tsx', SCRIPT, origin, String(port), client], {
    stdio: 'ignore',
    env: { ...process.env, MALLOC_TRIM_THRESHOLD_: String(64 << 20) },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/healthz`, child, `node floor proxy (${client})`, 60_000);
  return { url, pid: child.pid!, stop: () => stopChild(child) };
}

/**
 * The static Node floor serving `files` (path -> body) with its access log in `<dir>/access.log`, under
 * the glibc setting our server makes at start (as for the proxy floor).
 */
export async function startNodeFloorStatic(dir: string, files: { path: string; body: Buffer }[]): Promise<NginxAnchor> {
  mkdirSync(dir, { recursive: true });
  const manifest = files.map((f, i) => {
    const file = join(dir, `body-${i}.json`);
    writeFileSync(file, f.body);
    return { path: f.path, file };
  });
  const manifestFile = join(dir, 'files.json');
  writeFileSync(manifestFile, JSON.stringify(manifest));
  const port = await freePort();
  const log = openSync(join(dir, 'access.log'), 'a');
  const child = spawnTracked(process.execPath, [...SERVE_NODE_FLAGS, '--import', 'tsx', STATIC_SCRIPT, manifestFile, String(port)], {
    stdio: ['ignore', log, log],
    env: { ...process.env, MALLOC_TRIM_THRESHOLD_: String(64 << 20) },
  });
  closeSync(log);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/healthz`, child, `node floor static server (log: ${join(dir, 'access.log')})`, 60_000);
  return { url, pid: child.pid!, stop: () => stopChild(child) };
}
