// A small pool of worker threads running inspectZip (zip-inspect-worker.ts), so that inflating, CRC-checking
// and hashing a provider zip's content for its h1 hash (docs/design/protocols.md §5.3) happen off the main
// thread, which then only moves bytes between the client, the disk and the registry (issue 16, "publish at
// wire speed"; numbers in bench/findings.md). Workers start on first use, are kept while jobs come, and
// end after `idleMs` without work; an idle pool holds the process open for nothing (workers are unref'd).
// A worker that dies fails its jobs with InspectWorkerGone (the caller may inspect in-thread instead) and
// is replaced on the next job.
// Under tsx (the sources run as TypeScript), the worker first registers tsx's loader, then loads its entry.
import { Worker } from 'node:worker_threads';
import { VerifyError, type VerifyErrorCode } from './errors.js';
import type { ZipInspection, ZipInspectOptions } from './zip-inspect.js';
import type { InspectReply, InspectRequest } from './zip-inspect-worker.js';

export interface ZipInspectPoolOptions {
  /** Worker threads at most (default 2: this matches the spool's in-flight inspections). */
  size?: number;
  /** A worker with no job for this long ends (default 30 s). */
  idleMs?: number;
}

/** The worker running a job ended before answering (terminated, crashed, out of memory): not the zip's fault. */
export class InspectWorkerGone extends Error {
  override readonly name = 'InspectWorkerGone';
}

interface Job {
  resolve(v: ZipInspection): void;
  reject(e: unknown): void;
}

interface Slot {
  worker: Worker;
  jobs: Map<number, Job>;
  idle: NodeJS.Timeout | undefined;
}

/** The worker entry next to this file (.ts under tsx, .js once built). */
function startWorker(): Worker {
  const ts = import.meta.url.endsWith('.ts');
  const entry = new URL(`./zip-inspect-worker.${ts ? 'ts' : 'js'}`, import.meta.url).href;
  const limits = { resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 48 } };
  if (!ts) return new Worker(new URL(entry), limits);
  // Loader hooks of the main thread (--import tsx, or tsx's API in bin/tf-oci-registry.js) do not reach
  // a worker: it registers tsx itself.
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, ...limits });
}

function toError(e: { verify: boolean; code?: string; message: string }): Error {
  if (e.verify) return new VerifyError(e.code as VerifyErrorCode, e.message);
  const err = new Error(e.message) as NodeJS.ErrnoException;
  if (e.code !== undefined) err.code = e.code;
  return err;
}

export class ZipInspectPool {
  readonly #size: number;
  readonly #idleMs: number;
  readonly #slots: Slot[] = [];
  #next = 0;

  constructor(options: ZipInspectPoolOptions = {}) {
    this.#size = Math.max(1, options.size ?? 2);
    this.#idleMs = options.idleMs ?? 30_000;
  }

  /** inspectZip(path, options) on a worker thread: same result, same errors (VerifyError codes, errno codes). */
  inspect(path: string, options: ZipInspectOptions = {}): Promise<ZipInspection> {
    const slot = this.#pick();
    const id = ++this.#next;
    return new Promise<ZipInspection>((resolve, reject) => {
      if (slot.idle) clearTimeout(slot.idle);
      slot.idle = undefined;
      slot.jobs.set(id, { resolve, reject });
      slot.worker.ref(); // a running job keeps the process alive
      slot.worker.postMessage({ id, path, options } satisfies InspectRequest);
    });
  }

  /** Ends every worker (jobs still running fail). */
  async close(): Promise<void> {
    const slots = this.#slots.splice(0);
    await Promise.all(slots.map((s) => this.#end(s)));
  }

  /** The least busy worker, or a new one while the pool is not full. */
  #pick(): Slot {
    const free = this.#slots.find((s) => s.jobs.size === 0);
    if (free) return free;
    if (this.#slots.length < this.#size) return this.#spawn();
    return this.#slots.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
  }

  #spawn(): Slot {
    const slot: Slot = { worker: startWorker(), jobs: new Map(), idle: undefined };
    slot.worker.unref();
    slot.worker.on('message', (reply: InspectReply) => {
      const job = slot.jobs.get(reply.id);
      if (!job) return;
      slot.jobs.delete(reply.id);
      if (reply.ok) job.resolve(reply.inspection);
      else job.reject(toError(reply.error));
      if (slot.jobs.size === 0) this.#rest(slot);
    });
    const fail = (err: Error): void => {
      const i = this.#slots.indexOf(slot);
      if (i !== -1) this.#slots.splice(i, 1);
      if (slot.idle) clearTimeout(slot.idle);
      for (const job of slot.jobs.values()) job.reject(err);
      slot.jobs.clear();
    };
    slot.worker.on('error', (err) => fail(new InspectWorkerGone(`the zip inspection worker failed: ${err.message}`, { cause: err })));
    slot.worker.on('exit', (code) => fail(new InspectWorkerGone(`the zip inspection worker exited (code ${code})`)));
    this.#slots.push(slot);
    return slot;
  }

  /** No job left: let the process exit without it, and end it after idleMs. */
  #rest(slot: Slot): void {
    slot.worker.unref();
    slot.idle = setTimeout(() => {
      const i = this.#slots.indexOf(slot);
      if (i !== -1 && slot.jobs.size === 0) {
        this.#slots.splice(i, 1);
        void this.#end(slot);
      }
    }, this.#idleMs);
    slot.idle.unref();
  }

  async #end(slot: Slot): Promise<void> {
    if (slot.idle) clearTimeout(slot.idle);
    await slot.worker.terminate();
  }
}
