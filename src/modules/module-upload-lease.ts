// The guarantees of a provider upload (docs/fault-tolerance.md#module-versions), for module version
// publishing (PUT /api/v1/modules/:id/versions/:version):
//  - one winner across replicas: the upload starts through a claim in the OCI store (core/store-claim.ts);
//    the loser, and any upload while another holds the version's lease, gets 409 and pushes no tag;
//  - a lease: the upload writes a `pending` version record holding `leaseExpiresAt` and renews it every
//    third of the lease while it runs (touching its temp directory, so no sweep takes it); when its server
//    dies nobody renews, and a read settles the record to `errored` with the reason (settleModuleRecord);
//  - a failed upload writes `errored` with the reason; a published one replaces the record.
import { readdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { AppError } from '../core/app-error.js';
import type { Caller } from '../core/caller.js';
import type { Stored } from '../core/record-store.js';
import { claim } from '../core/store-claim.js';
import type { ModuleAddress } from './addresses.js';
import type { ModuleContext } from './module-admin.js';
import type { ModuleVersionRecord } from './types.js';

export const DEFAULT_MODULE_UPLOAD_LEASE_S = 300;

/** True while an upload holds the record's lease. */
export function moduleLeaseHeld(r: ModuleVersionRecord, now: Date): boolean {
  return r.state === 'pending' && typeof r.leaseExpiresAt === 'string' && Date.parse(r.leaseExpiresAt) > now.getTime();
}

/** The record as it stands now: a `pending` one whose lease ended is `errored`, with the reason. */
export function settleModuleRecord(r: ModuleVersionRecord, now: Date): ModuleVersionRecord {
  if (r.state !== 'pending' || moduleLeaseHeld(r, now)) return r;
  return {
    ...r,
    state: 'errored',
    leaseExpiresAt: null,
    errorMessages: [
      `the upload of version ${r.version} stopped before it finished: no server renewed its lease since ` +
        `${r.leaseExpiresAt ?? 'it started'} (the server running it was stopped or killed, or lost the OCI registry); upload it again`,
    ],
  };
}

/** Marks a temp directory and its files as in use (their mtime), so no sweep takes them. */
async function touchDir(dir: string, now: Date): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all([dir, ...names.map((n) => join(dir, n))].map((p) => utimes(p, now, now).catch(() => undefined)));
}

export class ModuleUploadLease {
  readonly #ctx: ModuleContext;
  readonly #caller: Caller;
  readonly #tag: string;
  readonly #workDir: string;
  readonly uploadId: string;
  #current: Stored<ModuleVersionRecord>;
  #queue: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #held = true;

  private constructor(ctx: ModuleContext, caller: Caller, tag: string, workDir: string, stored: Stored<ModuleVersionRecord>) {
    this.#ctx = ctx;
    this.#caller = caller;
    this.#tag = tag;
    this.#workDir = workDir;
    this.uploadId = stored.data.uploadId ?? '';
    this.#current = stored;
  }

  /**
   * Wins the version for this upload, or throws 409: through a claim (one winner across replicas), then
   * `check` (the tag must not exist) and the record (no live lease of another upload). Writes the `pending`
   * record holding the lease and starts renewing it.
   */
  static async take(
    ctx: ModuleContext,
    addr: ModuleAddress,
    version: string,
    tag: string,
    workDir: string,
    check: () => Promise<void>,
    caller: Caller,
  ): Promise<ModuleUploadLease> {
    const { deps } = ctx;
    const held = await claim(
      { store: deps.store, prefix: deps.prefix, settleMs: deps.claimSettleMs ?? 1500, now: Date.now },
      `module-version|${addr.repository}|${tag}`,
      caller,
    );
    const busy = `version ${version} of module ${addr.display} is being published by another request right now`;
    if (!held) throw new AppError('CONFLICT', busy);
    let lease: ModuleUploadLease;
    try {
      await check();
      const existing = await ctx.records.getVersion(addr, tag, caller);
      if (existing && moduleLeaseHeld(existing.data, deps.now()))
        throw new AppError('CONFLICT', `${busy} (its lease runs until ${existing.data.leaseExpiresAt}; try again after it)`);
      const record: ModuleVersionRecord = {
        namespace: addr.namespace,
        name: addr.name,
        system: addr.system,
        version,
        manifestDigest: '',
        publishedAt: '',
        files: 0,
        unpackedBytes: 0,
        readme: null,
        inputs: [],
        outputs: [],
        state: 'pending',
        leaseExpiresAt: leaseEnd(ctx),
        errorMessages: [],
        uploadId: randomBytes(12).toString('base64url'),
      };
      lease = new ModuleUploadLease(ctx, caller, tag, workDir, await ctx.records.putVersion(record, tag, caller));
    } finally {
      await held.release();
    }
    const every = Math.max(200, ((deps.uploadLease ?? DEFAULT_MODULE_UPLOAD_LEASE_S) * 1000) / 3);
    lease.#timer = setInterval(() => void lease.#renew(), every);
    lease.#timer.unref();
    return lease;
  }

  /** 409 unless the record still names this upload (a stalled upload whose lease another took over). */
  async assertStillOwned(): Promise<void> {
    const r = await this.#ctx.records.getVersion(this.#current.data, this.#tag, this.#caller);
    if (r?.data.uploadId !== this.uploadId)
      throw new AppError(
        'CONFLICT',
        `version ${this.#current.data.version} was taken over by another upload after this one's lease ended; nothing was tagged`,
      );
  }

  /** Stops renewing: the caller writes the published record itself. */
  release(): void {
    this.#held = false;
    clearInterval(this.#timer);
  }

  /** Records why the upload failed and lets the lease go (best effort: the lease runs out otherwise). */
  async fail(message: string): Promise<void> {
    this.release();
    await this.#enqueue(() => ({ ...this.#current.data, state: 'errored', leaseExpiresAt: null, errorMessages: [message] })).catch(
      (err: unknown) => this.#ctx.deps.logger.warn({ err }, 'errored module version record not written'),
    );
  }

  async #renew(): Promise<void> {
    try {
      await touchDir(this.#workDir, this.#ctx.deps.now());
      await this.#enqueue(() => (this.#held ? { ...this.#current.data, leaseExpiresAt: leaseEnd(this.#ctx) } : null));
    } catch (err) {
      this.#ctx.deps.logger.warn({ err }, 'module upload lease not renewed; trying again');
    }
  }

  #enqueue(next: () => ModuleVersionRecord | null): Promise<Stored<ModuleVersionRecord>> {
    const run = this.#queue.then(async () => {
      const record = next();
      if (record === null) return this.#current;
      this.#current = await this.#ctx.records.putVersion(record, this.#tag, this.#caller);
      return this.#current;
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Waits for a renewal in flight, so no renewal lands after the caller's last write. */
  async drained(): Promise<void> {
    await this.#queue;
  }
}

function leaseEnd(ctx: ModuleContext): string {
  const seconds = ctx.deps.uploadLease ?? DEFAULT_MODULE_UPLOAD_LEASE_S;
  return new Date(ctx.deps.now().getTime() + seconds * 1000).toISOString();
}
