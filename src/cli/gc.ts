// `tf-oci-registry gc --config FILE [--dry-run] [--grace-period SECONDS]`: reclaims the space of blobs no
// manifest uses any more in the embedded image-layout store (src/oci/layout-store/gc.ts), safe while the
// server runs: whatever is younger than the grace period stays (docs/operations.md#reclaiming-space).
// A registry store reclaims space with the registry's own garbage collection; this says so.
import { resolve } from 'node:path';
import type { Config } from '../config/load.js';
import { DEFAULT_GC_GRACE_SECONDS, collectLayoutGarbage } from '../oci/layout-store/gc.js';
import { listLayoutRepositories } from '../oci/layout-store/list-repositories.js';
import { UsageError } from './errors.js';

export interface GcOptions {
  dryRun?: boolean;
  gracePeriod?: string;
  json?: boolean;
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

export async function runGc(config: Config, opts: GcOptions, out: { stdout: NodeJS.WritableStream }): Promise<number> {
  if (config.storage.kind !== 'layout') {
    throw new UsageError(
      `gc reclaims space in an image-layout store (storage.kind = "layout"); ${config.storage.url} is a registry: run its own garbage collection (docs/operations.md#reclaiming-space)`,
    );
  }
  const grace = opts.gracePeriod === undefined ? DEFAULT_GC_GRACE_SECONDS : Number(opts.gracePeriod);
  if (!Number.isFinite(grace) || grace < 0 || opts.gracePeriod?.trim() === '') {
    throw new UsageError(`--grace-period: expected seconds (a number >= 0), got ${JSON.stringify(opts.gracePeriod)}`);
  }
  const root = resolve(config.storage.path);
  const result = await collectLayoutGarbage(root, { graceMs: grace * 1000, now: Date.now(), dryRun: opts.dryRun ?? false }, (r) =>
    listLayoutRepositories(r, ''),
  );
  if (opts.json) {
    out.stdout.write(`${JSON.stringify({ path: root, dryRun: opts.dryRun ?? false, gracePeriod: grace, ...result }, null, 2)}\n`);
    return 0;
  }
  const verb = opts.dryRun ? 'would remove' : 'removed';
  for (const { repository, result: r } of result.changed) {
    out.stdout.write(
      `${repository}: ${verb} ${r.blobsRemoved} blob(s), ${mib(r.bytesRemoved)}${r.tempFilesRemoved ? `, ${r.tempFilesRemoved} temp file(s)` : ''}\n`,
    );
  }
  out.stdout.write(
    `gc ${opts.dryRun ? '(dry run) ' : ''}${root}: ${result.repositories} repositories, ${verb} ${result.blobsRemoved} blob(s) (${mib(result.bytesRemoved)}) ` +
      `and ${result.tempFilesRemoved} temp file(s); kept ${result.blobsKept} in use and ${result.youngKept} unused but younger than the grace period (${grace} s)\n`,
  );
  return 0;
}
