// The lease of a running upload (docs/fault-tolerance.md#leases): the upload writes `leaseExpiresAt` =
// now + deps.uploadLease when it starts and renews it every third of the lease while it runs (touching its
// spooled temp files at the same time, so no temp sweep takes them); every later write of the upload goes
// through the same queue, so a renewal never overwrites a newer state. When the process dies, nobody
// renews: once the lease ended, a read settles the record to `errored` (version-state.ts).
import type { Caller } from '../core/caller.js';
import type { Stored } from '../core/record-store.js';
import type { PublishContext } from './context.js';
import type { VersionRecord } from './types.js';
import { saveVersion } from './version-records.js';

export class UploadLease {
  readonly #ctx: PublishContext;
  readonly #caller: Caller;
  #current: Stored<VersionRecord>;
  #queue: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #held = true;
  /** Called at every renewal (the upload touches its temp files). */
  onRenew: (() => Promise<void>) | undefined;

  private constructor(ctx: PublishContext, caller: Caller, stored: Stored<VersionRecord>) {
    this.#ctx = ctx;
    this.#caller = caller;
    this.#current = stored;
  }

  /** Writes `record` holding a fresh lease and starts renewing it. */
  static async take(ctx: PublishContext, record: VersionRecord, caller: Caller): Promise<UploadLease> {
    const lease = new UploadLease(ctx, caller, await saveVersion(ctx, { ...record, leaseExpiresAt: leaseEnd(ctx) }, caller));
    const every = Math.max(200, (ctx.deps.uploadLease * 1000) / 3);
    lease.#timer = setInterval(() => void lease.#renew(), every);
    lease.#timer.unref();
    return lease;
  }

  get record(): Stored<VersionRecord> {
    return this.#current;
  }

  /** Writes `record`, still holding the lease (in order after any renewal). */
  save(record: VersionRecord): Promise<Stored<VersionRecord>> {
    return this.#enqueue(() => ({ ...record, leaseExpiresAt: leaseEnd(this.#ctx) }));
  }

  /** Writes the upload's last state and lets the lease go. */
  async finish(record: VersionRecord): Promise<Stored<VersionRecord>> {
    this.#stop();
    return this.#enqueue(() => ({ ...record, leaseExpiresAt: null }));
  }

  /** Stops renewing without writing (the last write failed; the lease runs out by itself). */
  abandon(): void {
    this.#stop();
  }

  #stop(): void {
    this.#held = false;
    clearInterval(this.#timer);
  }

  async #renew(): Promise<void> {
    try {
      await this.onRenew?.();
      await this.#enqueue(() => (this.#held ? { ...this.#current.data, leaseExpiresAt: leaseEnd(this.#ctx) } : null));
    } catch (err) {
      this.#ctx.deps.logger.warn({ err, id: this.#current.data.id }, 'upload lease not renewed; trying again');
    }
  }

  #enqueue(next: () => VersionRecord | null): Promise<Stored<VersionRecord>> {
    const run = this.#queue.then(async () => {
      const record = next();
      if (record === null) return this.#current;
      this.#current = await saveVersion(this.#ctx, record, this.#caller);
      return this.#current;
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

function leaseEnd(ctx: PublishContext): string {
  return new Date(ctx.deps.now().getTime() + ctx.deps.uploadLease * 1000).toISOString();
}
