// The tf-oci-registry server under test, run exactly as in production: a separate process running the
// compiled build (what the Docker image and `npm run build` users run; built once per bench process into
// dist-bench/, so a stale dist/ never matters), `node dist-bench/main.js serve`, configured through TF_OCI_REGISTRY_* environment variables,
// plain HTTP on 127.0.0.1, storage = the bench registry. Its RSS is polled for the whole suite and its
// VmHWM (peak RSS) read at the end. With `cpuProfileDir` it runs under `node --cpu-prof`; the profile
// is written when it exits (SIGTERM -> graceful shutdown -> process.exit).
import { execFile } from 'node:child_process';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { normalizeHostname } from '../../src/layout/names.js';
import { SERVE_NODE_FLAGS } from '../../src/cli/heap-flags.js';
import { freePort, procStatusKiB, sampleRss, spawnTracked, stopChild, waitForHttp, type RssSampler } from './processes.js';

export interface ServerProcess {
  /** http://127.0.0.1:<port> (no trailing slash). */
  readonly url: string;
  /** Normalized public hostname, e.g. `127.0.0.1:41234`: the providers.v1 hostname of its repositories. */
  readonly registryHostname: string;
  readonly pid: number;
  /** The environment it was started with (also what an in-process copy loads its Config from). */
  readonly env: Record<string, string>;
  /** VmRSS right after startup (idle), KiB. */
  readonly idleRssKiB: number;
  /** Wall time from spawning the process to its first 200 on /healthz, ms. */
  readonly startMs: number;
  /** The server's own start-up phases (its "started" log line: ms since its process started), when logged. */
  readonly startup: Record<string, number> | undefined;
  /** Polls VmRSS every 100 ms for the whole suite. */
  readonly rss: RssSampler;
  /** Its log (stdout and stderr: JSON lines at the default level). */
  readonly logFile: string;
  /** Peak RSS so far (VmHWM), KiB. */
  hwmKiB(): number;
  /** Stops it; returns the peak RSS (VmHWM) read just before. */
  stop(): Promise<number>;
}

export interface ServerOptions {
  root: string;
  registryUrl: string;
  logDir: string;
  cpuProfileDir?: string;
  /** Extra node flags (bench/profile.ts --node-arg=--trace-gc, for instance). */
  nodeArgs?: readonly string[];
  /** Extra TF_OCI_REGISTRY_* settings. */
  env?: Record<string, string>;
}

/**
 * Extra node flags for the suite's server from TF_OCI_BENCH_SERVER_NODE_ARGS (space-separated, e.g.
 * `--trace-deopt --trace-opt`): diagnostics written to its log, kept with `--keep`. Only `--` flags.
 */
export function serverNodeArgs(value: string | undefined): string[] {
  const args = (value ?? '').split(/\s+/).filter(Boolean);
  const bad = args.find((a) => !a.startsWith('--'));
  if (bad) throw new Error(`TF_OCI_BENCH_SERVER_NODE_ARGS: "${bad}" is not a node flag (--name or --name=value)`);
  return args;
}

/** The server's configuration as environment variables (see README "Configuration"). */
export function serverEnv(port: number, registryUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    TF_OCI_REGISTRY_STORAGE_KIND: 'registry',
    TF_OCI_REGISTRY_STORAGE_URL: registryUrl,
    TF_OCI_REGISTRY_STORAGE_PLAIN_HTTP: 'true',
    TF_OCI_REGISTRY_SERVER_LISTEN: `127.0.0.1:${port}`,
    TF_OCI_REGISTRY_SERVER_PUBLIC_URL: `http://127.0.0.1:${port}/`,
    TF_OCI_REGISTRY_SERVER_SECRETS: 'bench-download-url-secret-0123456789abcdef',
    // Tickets must outlive a full run (download URLs are fetched once, then reused).
    TF_OCI_REGISTRY_SERVER_DOWNLOAD_URL_TTL: '3600',
    TF_OCI_REGISTRY_SERVER_DOWNLOAD_MODE: 'proxy',
    // The log level users run (info: one access line per request, usage fields included); the lines go
    // to the server.log of the run. TF_OCI_BENCH_SERVER_ENV (a JSON object of TF_OCI_REGISTRY_* settings)
    // changes the server under test for an A/B run, e.g. '{"TF_OCI_REGISTRY_USAGE_ENABLED":"false"}'.
    ...benchOverrides(),
    ...extra,
  };
}

/** TF_OCI_BENCH_SERVER_ENV: extra settings of the server under test, for A/B runs; refused when malformed. */
function benchOverrides(): Record<string, string> {
  const text = process.env.TF_OCI_BENCH_SERVER_ENV;
  if (!text) return {};
  const parsed = JSON.parse(text) as unknown;
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    Array.isArray(parsed) ||
    !Object.entries(parsed).every(([k, v]) => k.startsWith('TF_OCI_REGISTRY_') && typeof v === 'string')
  ) {
    throw new Error('TF_OCI_BENCH_SERVER_ENV must be a JSON object of TF_OCI_REGISTRY_* string settings');
  }
  return parsed as Record<string, string>;
}

/** The compiled build of `root` (tsc -p tsconfig.build.json into dist-bench/), made once per bench process. */
const builds = new Map<string, Promise<string>>();
export function buildServer(root: string): Promise<string> {
  let built = builds.get(root);
  if (!built) {
    const outDir = join(root, 'dist-bench');
    built = promisify(execFile)(
      process.execPath,
      [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir],
      { cwd: root, maxBuffer: 16 * 1024 * 1024 },
    ).then(
      () => join(outDir, 'main.js'),
      (err: Error & { stdout?: string }) => {
        throw new Error(`building the server for the benchmark failed: ${err.stdout ?? ''}${err.message}`);
      },
    );
    builds.set(root, built);
  }
  return built;
}

/**
 * The `startup` field of the server's "started" log line (src/cli/serve.ts), waiting up to 2 s for it.
 * Reads only what was appended since `from` (the log's size when the server was spawned), at most 1 MiB:
 * servers share the run's log, which the metadata scenario's access lines grow past 600 MB.
 */
async function startupPhases(logFile: string, from: number, port: number): Promise<Record<string, number> | undefined> {
  for (let i = 0; i < 40; i++) {
    const fd = openSync(logFile, 'r');
    let text: string;
    try {
      const length = Math.min(fstatSync(fd).size - from, 1 << 20);
      const buf = Buffer.alloc(Math.max(0, length));
      readSync(fd, buf, 0, buf.length, from);
      text = buf.toString('utf8');
    } finally {
      closeSync(fd);
    }
    // Several servers may share a log file: this one's line names its port.
    const line = text.split('\n').find((l) => l.includes('"msg":"started"') && l.includes(`"port":${port},`));
    if (line) return (JSON.parse(line) as { startup?: Record<string, number> }).startup;
    await new Promise((r) => setTimeout(r, 50));
  }
  return undefined;
}

export async function startServer(opts: ServerOptions): Promise<ServerProcess> {
  const entry = await buildServer(opts.root);
  const port = await freePort();
  const env = serverEnv(port, opts.registryUrl, opts.env);
  const childEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    NODE_ENV: 'production',
    ...env,
  };
  // As the Docker image starts it (ENTRYPOINT): with the heap flags (src/cli/heap-flags.ts).
  const nodeArgs: string[] = [...SERVE_NODE_FLAGS, ...(opts.nodeArgs ?? [])];
  if (opts.cpuProfileDir) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${opts.cpuProfileDir}`);
  const logFile = join(opts.logDir, 'server.log');
  const fd = openSync(logFile, 'a');
  const logStart = fstatSync(fd).size;
  const spawnedAt = performance.now();
  const child = spawnTracked(process.execPath, [...nodeArgs, entry, 'serve'], {
    cwd: opts.root,
    env: childEnv,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const url = `http://127.0.0.1:${port}`;
  // Generous: a loaded machine (CI runs beside other work) can take long to start a process.
  await waitForHttp(`${url}/healthz`, child, `tf-oci-registry (log: ${logFile})`, 120_000);
  const startMs = performance.now() - spawnedAt;
  const startup = await startupPhases(logFile, logStart, port);
  const pid = child.pid!;
  const idleRssKiB = procStatusKiB(pid, 'VmRSS');
  const rss = sampleRss(pid, 100);
  return {
    url,
    registryHostname: normalizeHostname(new URL(env.TF_OCI_REGISTRY_SERVER_PUBLIC_URL!).host),
    pid,
    env,
    idleRssKiB,
    startMs,
    startup,
    rss,
    logFile,
    hwmKiB: () => procStatusKiB(pid, 'VmHWM'),
    async stop() {
      const hwm = procStatusKiB(pid, 'VmHWM');
      rss.stop();
      await stopChild(child, 15_000);
      return hwm;
    },
  };
}
