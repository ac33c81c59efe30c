// Child processes of the benchmark (registry, server, nginx, wrk, curl): spawning with a tracked list so
// that every one is stopped when the run ends (also on error or Ctrl-C), waiting for a port to answer,
// reading a process's memory from /proc, and pinning to CPUs with taskset.
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { readProcStat } from './proc-stat.js';

const children = new Set<ChildProcess>();

/** Spawns a long-running child that `stopAll()` will terminate. */
export function spawnTracked(command: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
  const child = spawn(command, args, { stdio: 'ignore', ...opts });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child has exited. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Stops every tracked child still running. */
export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((c) => stopChild(c, 3000)));
}

/**
 * Runs a command to completion and returns its whole output (bounded by `timeoutMs`).
 * It waits for 'close', not 'exit': 'exit' may be emitted before the last stdout/stderr chunks have been
 * read, and under load that lost curl's one `-w` line (exit 0 with an empty status; seen in CI).
 */
export async function runCommand(
  command: string,
  args: string[],
  opts: { timeoutMs: number; env?: NodeJS.ProcessEnv; cwd?: string },
): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  const child = spawnTracked(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: opts.env ?? process.env,
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
    // A grandchild still holding the pipes would otherwise delay 'close' past the timeout.
    child.stdout!.destroy();
    child.stderr!.destroy();
  }, opts.timeoutMs);
  try {
    const [code] = (await once(child, 'close')) as [number | null];
    return { code, stdout, stderr, timedOut };
  } finally {
    clearTimeout(timer);
  }
}

/** A free TCP port on 127.0.0.1 (the test helper's). */
export { freePort } from '../../test/support/distribution.js';

/** Waits until `url` answers with `okStatus` (default any status below 500), or throws after `timeoutMs`. */
export async function waitForHttp(url: string, child: ChildProcess, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode} before answering on ${url}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error(`${what} did not answer on ${url} within ${timeoutMs} ms`);
}

/** A field of /proc/<pid>/status in KiB (VmRSS, VmHWM), or NaN when the process is gone. */
export function procStatusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** The live child processes of `pid` (Linux), e.g. the workers of `server.workers`. */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function ownCpuMs(pid: number): number {
  try {
    return readProcStat(pid).cpuMs;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU time (user + system, all threads) a process and its live children have used so far, ms (the
 * children: the workers of `server.workers`); NaN when it is gone.
 */
export function procCpuMs(pid: number): number {
  return childPids(pid).reduce((sum, child) => sum + (ownCpuMs(child) || 0), ownCpuMs(pid));
}

export interface RssSampler {
  /** Largest VmRSS seen so far, KiB. */
  readonly maxKiB: number;
  readonly samples: number;
  stop(): { maxKiB: number; samples: number };
}

/** Polls VmRSS of `pid` every `intervalMs` until stopped. */
export function sampleRss(pid: number, intervalMs: number): RssSampler {
  let maxKiB = 0;
  let samples = 0;
  const tick = () => {
    const v = procStatusKiB(pid, 'VmRSS');
    if (Number.isFinite(v)) {
      samples++;
      if (v > maxKiB) maxKiB = v;
    }
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    get maxKiB() {
      return maxKiB;
    },
    get samples() {
      return samples;
    },
    stop() {
      clearInterval(timer);
      tick();
      return { maxKiB, samples };
    },
  };
}

let tasksetOk: boolean | undefined;

/** True when taskset exists and may change affinities here (containers may forbid it). */
export function canPin(): boolean {
  if (tasksetOk === undefined) {
    const r = spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
    tasksetOk = r.status === 0;
  }
  return tasksetOk;
}

/** Sets the CPU affinity of every thread of `pid` (e.g. "0" or "0,1"). Returns false when impossible. */
export function pinProcess(pid: number, cpus: string): boolean {
  if (!canPin()) return false;
  return spawnSync('taskset', ['-a', '-cp', cpus, String(pid)], { stdio: 'ignore' }).status === 0;
}

/** `[command, args]` prefixed with `taskset -c cpus` when pinning is possible. */
export function pinned(cpus: string | undefined, command: string, args: string[]): [string, string[]] {
  if (cpus === undefined || !canPin()) return [command, args];
  return ['taskset', ['-c', cpus, command, ...args]];
}

/** Runs a standalone bench script: exit 0 when `main` resolves; otherwise print, stop every tracked child, exit 1. */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    async (err: unknown) => {
      console.error(err);
      await stopAll();
      process.exit(1);
    },
  );
}
