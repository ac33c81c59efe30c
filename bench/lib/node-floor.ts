// Starts the Node floor proxy (bench/lib/node-floor-proxy.ts) as its own process on a free port, for the
// downloads scenario's anchor rows.
import { fileURLToPath } from 'node:url';
import type { NginxAnchor } from './nginx.js';
import { freePort, spawnTracked, stopChild, waitForHttp } from './processes.js';

const SCRIPT = fileURLToPath(new URL('./node-floor-proxy.ts', import.meta.url));

export async function startNodeFloor(origin: string, client: 'undici' | 'node-http'): Promise<NginxAnchor> {
  const port = await freePort();
  // The allocator setting our server makes at start (src/cli/malloc-trim.ts), given here through glibc's
  // environment: without it a Node proxy pays a page fault per 4 KiB (bench/findings.md), which is not the runtime's limit.
  const child = spawnTracked(process.execPath, ['--import', 'tsx', SCRIPT, origin, String(port), client], {
    stdio: 'ignore',
    env: { ...process.env, MALLOC_TRIM_THRESHOLD_: String(64 << 20) },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/healthz`, child, `node floor proxy (${client})`, 60_000);
  return { url, pid: child.pid!, stop: () => stopChild(child) };
}
