// Runs the publish work floor (bench/lib/publish-floor-program.ts) once, as its own process, and returns
// what it measured of itself (wall time and CPU, counted after its start-up) plus the registry's CPU.
import { fileURLToPath } from 'node:url';
import { procCpuMs, runCommand } from './processes.js';

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
  const reg0 = registryCpuMs(registryPid);
  // The allocator setting our server makes at start (src/cli/malloc-trim.ts: mmap threshold 32 MiB, trim
  // threshold 64 MiB), given through glibc's environment. The trim threshold alone (as for the Node floor
  // proxy, bench/lib/node-floor.ts) is not enough here: setting it turns glibc's dynamic mmap threshold off,
  // so every 1 MiB buffer (gunzip output, stream buffers) was mmapped and unmapped again (324 minor faults
  // per MB against 65 for the server, measured).
  const r = await runCommand(process.execPath, ['--import', 'tsx', SCRIPT, registryUrl, tarball, tmpDir], {
    timeoutMs: 900_000,
    env: { ...process.env, MALLOC_MMAP_THRESHOLD_: String(32 << 20), MALLOC_TRIM_THRESHOLD_: String(64 << 20) },
  });
  const registryMs = registryCpuMs(registryPid) - reg0;
  const line = r.stdout.trim().split('\n').pop() ?? '';
  const why = r.stderr.split('\n').find((l) => l.startsWith('publish floor: ')) ?? r.stderr.trim().split('\n').pop() ?? '';
  if (r.code !== 0 || !line.startsWith('{'))
    throw new Error(`publish floor exited ${r.timedOut ? 'on timeout' : `with code ${r.code}`}: ${why.trim()}`);
  return { ...(JSON.parse(line) as Omit<FloorRun, 'registryMs'>), registryMs };
}
