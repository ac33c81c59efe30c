// Runs the publish work floor (bench/lib/publish-floor-program.ts) once, as its own process, and returns
// what it measured of itself (wall time and CPU, from the upload's arrival to its end) plus the registry's CPU.
// The bench sends it the tarball as it sends the publish's: one PUT from this process.
import { fileURLToPath } from 'node:url';
import { putTarball } from './publish-through-api.js';
import { freePort, procCpuMs, spawnTracked, stopChild, waitForHttp } from './processes.js';
import { SERVE_NODE_FLAGS } from '../../src/cli/heap-flags.js';

const SCRIPT = fileURLToPath(new URL('./publish-floor-program.ts', import.meta.url));

export interface FloorRun {
  ms: number;
  zips: number;
  bytes: number;
  /** CPU time of the floor process (all threads: main, libuv pool for gunzip/inflate/file I/O, V8 helpers). */
  cpuMs: number;
  mainUserMs: number;
  mainSysMs: number;
  minorFaults: number;
  /** The registry's CPU time while the floor ran (NaN without its pid). */
  registryMs: number;
}

/** The registry's CPU time so far, ms (NaN without its pid). */
function registryCpuMs(pid: number | undefined): number {
  return pid === undefined ? Number.NaN : procCpuMs(pid);
}

/** One run of the floor on `tarball` against `registryUrl`, its temp files under `tmpDir`. Throws when it fails. */
export async function runPublishFloor(registryUrl: string, tarball: string, tmpDir: string, registryPid?: number): Promise<FloorRun> {
  const port = await freePort();
  // The allocator setting our server makes at start (src/cli/malloc-trim.ts: mmap threshold 32 MiB, trim
  // threshold 64 MiB), given through glibc's environment. The trim threshold alone (as for the Node floor
  // proxy, bench/lib/node-floor.ts) is not enough here: setting it turns glibc's dynamic mmap threshold off,
  // so every 1 MiB buffer (gunzip output, stream buffers) was mmapped and unmapped again (324 minor faults
  // per MB against 65 for the server, measured).
  // And the heap flags our server starts with (src/cli/heap-flags.ts): what any Node program can do.
  const child = spawnTracked(process.execPath, [...SERVE_NODE_FLAGS, '--import', 'tsx', SCRIPT, registryUrl, tmpDir, String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MALLOC_MMAP_THRESHOLD_: String(32 << 20), MALLOC_TRIM_THRESHOLD_: String(64 << 20) },
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  try {
    const url = `http://127.0.0.1:${port}/`;
    await waitForHttp(url, child, 'the publish floor');
    const reg0 = registryCpuMs(registryPid);
    // Sent as the publish's tarball is: the same client and body.
    const { status, text } = await putTarball(url, tarball);
    const registryMs = registryCpuMs(registryPid) - reg0;
    if (status !== 200 || !text.startsWith('{')) throw new Error(`publish floor answered ${status}: ${text.trim() || stderr.trim()}`);
    return { ...(JSON.parse(text) as Omit<FloorRun, 'registryMs'>), registryMs };
  } finally {
    await stopChild(child);
  }
}
