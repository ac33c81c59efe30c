// `server.workers` (docs/operations.md#workers): several server processes on one listener with node:cluster,
// so one machine uses all its cores. The primary process only supervises: it makes what every worker must
// share before forking (a random download-URL secret when none is configured), forks the workers with the
// same command line, prints the banner once the first one listens, starts a worker again when one dies
// unexpectedly, and on SIGTERM/SIGINT passes the signal on and waits for every worker's graceful shutdown.
// Each worker is a full replica (its own caches, usage records and metrics), as separate processes behind a
// load balancer would be: the server keeps no state that the workers would need to share (README, "Stateless").
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';

/** The number of worker processes for `server.workers` (0 = one per CPU core). */
export function workerCount(configured: number): number {
  return configured === 0 ? availableParallelism() : configured;
}

/** True in a process forked by the primary of `server.workers`. */
export function isClusterWorker(): boolean {
  return cluster.isWorker;
}

export interface PrimaryOptions {
  count: number;
  /** Environment added to every worker's (e.g. the shared secret). */
  env: Record<string, string>;
  logger: Logger;
  /** Called once, when the first worker listens (the banner). */
  onListening: () => void;
  /** Serves what the workers share (aggregated metrics); closed at shutdown. */
  onShutdown?: () => void;
}

/** Longest wait for the workers' graceful shutdowns before the primary exits anyway. */
const SHUTDOWN_GRACE_MS = 60_000;
/** A worker that dies this soon after its start is restarted only after a pause (no crash loop). */
const RESTART_DELAY_MS = 1000;

export function runPrimary(opts: PrimaryOptions): void {
  const { logger } = opts;
  let stopping = false;
  let announced = false;
  const fork = (): Worker => {
    const worker = cluster.fork(opts.env);
    worker.once('listening', () => {
      if (announced) return;
      announced = true;
      opts.onListening();
    });
    return worker;
  };
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    logger.error({ worker: worker.process.pid, code, signal }, 'a server worker exited; starting another');
    setTimeout(fork, RESTART_DELAY_MS).unref();
  });
  for (let i = 0; i < opts.count; i++) fork();
  logger.info({ workers: opts.count }, 'server workers started');

  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down the server workers');
    opts.onShutdown?.();
    const workers = Object.values(cluster.workers ?? {});
    if (workers.length === 0) process.exit(0);
    for (const w of workers) w?.process.kill(signal);
    setTimeout(() => {
      logger.warn('server workers still running after the shutdown grace; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}
