// Runs wrk (HTTP/1.1 keep-alive load generator) with --latency and parses its report: requests/s, the
// latency distribution (50/75/90/99 %), errors and non-2xx responses. A run with errors or non-2xx
// answers throws: a benchmark of error pages would be meaningless.
import { pinned, procCpuMs, runCommand } from './processes.js';

export const WRK_BIN = '/usr/bin/wrk';

export interface WrkResult {
  requests: number;
  rps: number;
  /** Latency percentiles in ms. */
  p50: number;
  p75: number;
  p90: number;
  p99: number;
  non2xx: number;
  socketErrors: number;
  /** The socket errors by kind, those above 0 ("timeout 1": wrk's --timeout passed; "connect 2"), or "". */
  socketErrorKinds: string;
  /** CPU time the server process (`serverPid`) used per request, µs (NaN when no pid was given). */
  cpuUsPerRequest: number;
}

/** "1.23ms" / "456.00us" / "1.10s" / "2.00m" -> ms. */
export function parseDuration(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) throw new Error(`cannot parse wrk duration "${text}"`);
  const v = Number(m[1]);
  switch (m[2]) {
    case 'us':
      return v / 1000;
    case 'ms':
      return v;
    case 's':
      return v * 1000;
    default:
      return v * 60_000;
  }
}

/** Parses the text wrk prints with --latency. */
export function parseWrk(output: string): WrkResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const total = /(\d+) requests in/.exec(output);
  if (!rps || !total) throw new Error(`unexpected wrk output:\n${output}`);
  const pct = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(output);
    if (!m) throw new Error(`wrk output has no ${p}% latency (was --latency given?)\n${output}`);
    return parseDuration(m[1]!);
  };
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(output);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const errors = ['connect', 'read', 'write', 'timeout'].map((kind, i) => [kind, sock ? Number(sock[i + 1]) : 0] as const);
  return {
    requests: Number(total[1]),
    rps: Number(rps[1]),
    p50: pct('50'),
    p75: pct('75'),
    p90: pct('90'),
    p99: pct('99'),
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    socketErrors: errors.reduce((sum, [, n]) => sum + n, 0),
    socketErrorKinds: errors
      .filter(([, n]) => n > 0)
      .map(([kind, n]) => `${kind} ${n}`)
      .join(', '),
    cpuUsPerRequest: Number.NaN,
  };
}

export interface WrkOptions {
  url: string;
  connections: number;
  threads: number;
  durationS: number;
  /** CPUs for wrk (taskset -c), e.g. "1". */
  cpus?: string;
  /**
   * The server's pid: its CPU time (/proc/<pid>/stat) is read around the run. CPU per request does not
   * depend on how much CPU other work on a shared machine left to the server, unlike requests/s.
   */
  serverPid?: number;
  /** A wrk Lua script (-s), e.g. one that cycles through several paths (bench/profile.ts mixed). */
  script?: string;
}

export async function runWrk(o: WrkOptions): Promise<WrkResult> {
  const script = o.script ? ['-s', o.script] : [];
  const args = [
    '-t',
    String(o.threads),
    '-c',
    String(o.connections),
    '-d',
    `${o.durationS}s`,
    '--timeout',
    '10s',
    '--latency',
    ...script,
    o.url,
  ];
  const [cmd, argv] = pinned(o.cpus, WRK_BIN, args);
  const cpu0 = o.serverPid === undefined ? Number.NaN : procCpuMs(o.serverPid);
  const r = await runCommand(cmd, argv, { timeoutMs: (o.durationS + 30) * 1000 });
  const cpu1 = o.serverPid === undefined ? Number.NaN : procCpuMs(o.serverPid);
  if (r.code !== 0) throw new Error(`wrk exited with ${r.code}: ${r.stderr}${r.stdout}`);
  const res = parseWrk(r.stdout);
  res.cpuUsPerRequest = ((cpu1 - cpu0) * 1000) / res.requests;
  if (res.non2xx > 0) throw new Error(`wrk got ${res.non2xx} non-2xx answers from ${o.url}`);
  // A few connection resets at the very end of a run are normal; more means the server struggled.
  if (res.socketErrors > Math.max(5, res.requests / 1000))
    throw new Error(`wrk: ${res.socketErrors} socket errors against ${o.url}\n${r.stdout}`);
  return res;
}
