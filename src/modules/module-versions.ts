// Use cases of a module's versions in the publishing API: publish one from an uploaded .zip or
// .tar.gz, list, read, delete. A published version is OpenTofu's module layout (docs/design/protocols.md §2): the
// repacked zip as the one `archive/zip` layer of an image manifest tagged with the version, so `oci://`
// sources, modules.v1 and other OCI tools all see the same artifact. Nothing is pushed before the upload
// passed every check, so a refused upload leaves no tag (and no blob) behind.
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import semverCompareBuild from 'semver/functions/compare-build.js';
import { actorName } from '../core/actor.js';
import { AppError } from '../core/app-error.js';
import { isLayoutError } from '../layout/errors.js';
import { buildModuleManifest } from '../layout/module-manifest.js';
import { MEDIA_TYPE_ZIP } from '../layout/media-types.js';
import { isOciError } from '../oci/errors.js';
import { EMPTY_CONFIG_BYTES, EMPTY_CONFIG_DIGEST, MEDIA_TYPE_IMAGE_MANIFEST, parseDigest } from '../oci/types.js';
import type { Stored } from '../core/record-store.js';
import { callOpts, type Caller } from '../core/caller.js';
import { invalidateRepository } from '../read-cache/reader.js';
import { moduleVersionId, parseModuleVersion, type ModuleAddress } from './addresses.js';
import { freshVersionTags, loadModule, ociRepositoryAddress, storeFailure, type ModuleContext } from './module-admin.js';
import { readModuleVersion, readModuleVersions, type ReadModule } from './module-reader.js';
import { MODULE_WORK_DIR_PREFIX, ingestModuleUpload, moduleWorkDir, type ModuleUploadBody } from './module-upload.js';
import { DEFAULT_MODULE_UPLOAD_LEASE_S, ModuleUploadLease, settleModuleRecord } from './module-upload-lease.js';
import { sweepStaleDirectories } from '../core/temp-sweep.js';
import { packageFacts, type PackageFacts } from './package-facts.js';
import type { TreeFile } from './package-tree.js';
import type { ModuleVersionRecord, ModuleVersionView } from './types.js';
import { EntryReadError, writeModuleZip } from './zip-writer.js';
import type { Sha256Result } from '../verify/sha256-stream.js';

/** The API view of a version: the manifest's facts, plus its record while it describes this manifest. */
export function versionView(
  ctx: ModuleContext,
  addr: ModuleAddress,
  version: string,
  tag: string,
  read: ReadModule,
  record?: ModuleVersionRecord | null,
): ModuleVersionView {
  const r = record && record.manifestDigest === read.descriptor.digest ? record : null;
  const oci = ociRepositoryAddress(ctx, addr.repository);
  return {
    namespace: addr.namespace,
    name: addr.name,
    system: addr.system,
    version,
    tag,
    manifestDigest: read.descriptor.digest,
    shasum: read.pkg.shasumHex,
    size: read.pkg.layer.size,
    filename: read.pkg.filename ?? null,
    published: r !== null,
    publishedAt: r?.publishedAt ?? null,
    publishedBy: r?.publishedBy ?? null,
    files: r?.files ?? null,
    unpackedBytes: r?.unpackedBytes ?? null,
    readme: r?.readme ?? null,
    inputs: r?.inputs ?? null,
    outputs: r?.outputs ?? null,
    ociAddress: oci === null ? null : `${oci}?tag=${tag}`,
  };
}

export function versionResourceId(v: ModuleVersionView): string {
  return moduleVersionId(v, v.tag);
}

/** 409 when the version's tag exists in the module's repository (published before, or by another tool). */
async function refuseExisting(ctx: ModuleContext, addr: ModuleAddress, version: string, tag: string, caller: Caller): Promise<void> {
  try {
    await ctx.deps.store.resolveManifest(addr.repository, tag, callOpts(caller));
  } catch (err) {
    if (isOciError(err, 'NOT_FOUND')) return;
    throw storeFailure(ctx, err);
  }
  throw new AppError(
    'CONFLICT',
    `module ${addr.display} already has version ${version}; versions are immutable: delete it first or publish a new version`,
  );
}

/**
 * The stored zip and the package facts. An entry that cannot be read as declared (a zip whose data does not
 * match its directory: sizes, CRC) is the upload's fault: 422 naming the file. Disk errors stay 500s.
 */
async function repack(files: TreeFile[], zipPath: string): Promise<{ zip: Sha256Result; facts: PackageFacts }> {
  try {
    return { zip: await writeModuleZip(files, zipPath), facts: await packageFacts(files) };
  } catch (err) {
    const cause = err instanceof EntryReadError ? err.cause : err;
    if (typeof (cause as NodeJS.ErrnoException | undefined)?.code === 'string') throw err;
    throw new AppError('VALIDATION_FAILED', `the module archive was refused: ${(err as Error).message}`, { cause: err });
  }
}

/** Drains what the use case did not read, so the client still gets the response. */
function discardUnread(body: Readable): void {
  if (!body.readableEnded && !body.destroyed) body.resume();
}

/**
 * PUT /modules/:id/versions/:version with the archive as the body. 404 unknown module, 409 existing
 * version (checked before the body is read, and again right before the tag is written), 413/415/422 for
 * refused uploads (module-upload.ts).
 */
export async function publishVersion(
  ctx: ModuleContext,
  id: string,
  rawVersion: string,
  upload: ModuleUploadBody,
  caller: Caller,
): Promise<ModuleVersionView> {
  const { deps } = ctx;
  try {
    const { version, tag } = parseModuleVersion(rawVersion, 'VALIDATION_FAILED');
    const { addr } = await loadModule(ctx, id, caller);
    const lockKey = `module-version|${addr.repository}|${tag}`;
    return await deps.locks.tryRun(
      lockKey,
      async () => {
        await refuseExisting(ctx, addr, version, tag, caller);
        // The record writes of the lease outlive a client that hung up (its signal aborted).
        const recorder: Caller = {
          principal: caller.principal,
          ...(caller.credential ? { credential: caller.credential } : {}),
          ...(caller.label !== undefined ? { label: caller.label } : {}),
        };
        const workDir = moduleWorkDir(deps.tmpDir);
        const lease = await ModuleUploadLease.take(
          ctx,
          addr,
          version,
          tag,
          workDir,
          () => refuseExisting(ctx, addr, version, tag, caller),
          recorder,
        );
        try {
          return await publishLeased(ctx, addr, version, tag, upload, workDir, lease, caller, recorder);
        } catch (err) {
          await lease.fail(err instanceof AppError ? err.message : `internal error: ${(err as Error).message}`);
          throw err;
        } finally {
          await sweepModuleTemp(ctx).catch(() => undefined);
        }
      },
      () => {
        throw new AppError('CONFLICT', `version ${version} of module ${addr.display} is being published right now`);
      },
    );
  } finally {
    discardUnread(upload.body);
  }
}

/** The upload, once its lease is held: ingest, push, then the record and the tag. */
async function publishLeased(
  ctx: ModuleContext,
  addr: ModuleAddress,
  version: string,
  tag: string,
  upload: ModuleUploadBody,
  workDir: string,
  lease: ModuleUploadLease,
  caller: Caller,
  recorder: Caller,
): Promise<ModuleVersionView> {
  const { deps } = ctx;
  const ingested = await ingestModuleUpload(upload, deps.limits, deps.tmpDir, workDir);
  try {
    const zipPath = join(ingested.workDir, 'module.zip');
    const { zip: packed, facts } = await repack(ingested.files, zipPath);
    const zip = { ...packed, digest: parseDigest(packed.digest) };
    const filename = `${addr.name}-${addr.system}-${tag}.zip`;
    const built = buildModuleManifest({ zip: { mediaType: MEDIA_TYPE_ZIP, digest: zip.digest, size: zip.size }, version, filename });
    const opts = callOpts(caller);
    try {
      await deps.store.pushBlob(addr.repository, EMPTY_CONFIG_BYTES, { ...opts, digest: EMPTY_CONFIG_DIGEST, size: 2 });
      await deps.store.pushBlob(addr.repository, createReadStream(zipPath), { ...opts, digest: zip.digest, size: zip.size });
    } catch (err) {
      throw storeFailure(ctx, err);
    }
    // Another upload (one whose tool pushed the tag directly, or that took over after this one's lease
    // ended) may have published meanwhile: no compare-and-swap in OCI, so both are checked again.
    await refuseExisting(ctx, addr, version, tag, caller);
    await lease.assertStillOwned();
    const record: ModuleVersionRecord = {
      namespace: addr.namespace,
      name: addr.name,
      system: addr.system,
      version,
      manifestDigest: built.descriptor.digest,
      publishedAt: deps.now().toISOString(),
      publishedBy: actorName(caller),
      files: ingested.files.length,
      unpackedBytes: ingested.unpackedBytes,
      ...facts,
    };
    lease.release();
    await lease.drained();
    // The record first: a tag without its record is only less described; a record without its tag (the
    // push below failed) is turned `errored` by the caller, and ignored anyway (its digest matches nothing).
    await ctx.records.putVersion(record, tag, recorder);
    let descriptor: Awaited<ReturnType<typeof deps.store.pushManifest>>;
    try {
      descriptor = await deps.store.pushManifest(addr.repository, tag, built.bytes, MEDIA_TYPE_IMAGE_MANIFEST, opts);
    } catch (err) {
      throw storeFailure(ctx, err);
    } finally {
      invalidateRepository(deps, addr.repository);
    }
    deps.logger.info(
      { module: addr.display, version, digest: descriptor.digest, size: zip.size, files: ingested.files.length },
      'module version published',
    );
    const pkg = { layer: { mediaType: MEDIA_TYPE_ZIP, digest: zip.digest, size: zip.size }, shasumHex: zip.hex, filename, version };
    return versionView(ctx, addr, version, tag, { descriptor, pkg }, record);
  } finally {
    await ingested.dispose();
  }
}

/** Removes upload work directories no running upload touched within a lease (a killed server's). */
export async function sweepModuleTemp(ctx: ModuleContext): Promise<string[]> {
  const leaseMs = (ctx.deps.uploadLease ?? DEFAULT_MODULE_UPLOAD_LEASE_S) * 1000;
  const removed = await sweepStaleDirectories(ctx.deps.tmpDir, [MODULE_WORK_DIR_PREFIX], leaseMs, ctx.deps.now().getTime());
  if (removed.length > 0) ctx.deps.logger.info({ removed }, 'stale module upload temp directories removed');
  return removed;
}

/** GET /modules/:id/versions: every version tag holding a module package, oldest first. */
export async function listVersions(ctx: ModuleContext, id: string, caller: Caller): Promise<ModuleVersionView[]> {
  const { addr } = await loadModule(ctx, id, caller);
  const tags = await freshVersionTags(ctx, addr, caller);
  try {
    const [read, records] = await Promise.all([
      readModuleVersions(ctx.deps, addr.repository, tags, caller),
      ctx.records.listVersions(addr, caller),
    ]);
    const byVersion = new Map(records.map((r) => [r.data.version, r.data]));
    return read
      .filter((r): r is typeof r & { read: ReadModule } => r.read !== undefined)
      .map((r) => versionView(ctx, addr, r.version, r.tag, r.read, byVersion.get(r.version)))
      .sort((a, b) => semverCompareBuild(a.version, b.version));
  } catch (err) {
    throw storeFailure(ctx, err);
  }
}

/**
 * 404 for a version without a tag, saying what its last upload did: running (`pending` with a live
 * lease), failed (`errored`, with why), or stopped without a word (lease ended: errored, with why).
 */
async function notPublished(ctx: ModuleContext, addr: ModuleAddress, version: string, tag: string, caller: Caller): Promise<AppError> {
  const stored = await ctx.records.getVersion(addr, tag, caller).catch(() => null);
  const r = stored ? settleModuleRecord(stored.data, ctx.deps.now()) : null;
  if (r?.state === 'pending')
    return new AppError(
      'VERSION_NOT_FOUND',
      `module ${addr.display} ${version} is being uploaded (its lease runs until ${r.leaseExpiresAt})`,
    );
  if (r?.state === 'errored')
    return new AppError(
      'VERSION_NOT_FOUND',
      `module ${addr.display} has no version ${version}: its last upload failed: ${(r.errorMessages ?? []).join('; ')}`,
    );
  return new AppError('VERSION_NOT_FOUND', `module ${addr.display} has no version ${version}`);
}

/** GET /modules/:id/versions/:version. */
export async function getVersion(ctx: ModuleContext, id: string, rawVersion: string, caller: Caller): Promise<ModuleVersionView> {
  const { addr } = await loadModule(ctx, id, caller);
  const { version, tag } = parseModuleVersion(rawVersion);
  let read: ReadModule;
  try {
    read = await readModuleVersion(ctx.deps, addr.repository, tag, caller);
  } catch (err) {
    if (isOciError(err, 'NOT_FOUND')) throw await notPublished(ctx, addr, version, tag, caller);
    if (isLayoutError(err))
      throw new AppError('VERSION_NOT_FOUND', `module ${addr.display} ${version} is not an OpenTofu module package: ${err.message}`);
    throw storeFailure(ctx, err);
  }
  return versionView(ctx, addr, version, tag, read, (await ctx.records.getVersion(addr, tag, caller))?.data);
}

/**
 * Deletes a version tag's manifest (by digest: the registry drops every tag on it, so a `latest` tag put
 * on the same manifest by another tool goes too) and its record. Absent is fine.
 */
export async function removeVersionTag(ctx: ModuleContext, addr: ModuleAddress, tag: string, caller: Caller): Promise<boolean> {
  const { store } = ctx.deps;
  let found = false;
  try {
    const d = await store.resolveManifest(addr.repository, tag, callOpts(caller));
    await store.deleteManifest(addr.repository, d.digest, { ...callOpts(caller), tags: [tag] });
    found = true;
  } catch (err) {
    if (!isOciError(err, 'NOT_FOUND')) throw storeFailure(ctx, err);
  } finally {
    invalidateRepository(ctx.deps, addr.repository);
  }
  const record: Stored<ModuleVersionRecord> | null = await ctx.records.getVersion(addr, tag, caller);
  if (record) await ctx.records.remove(record, caller);
  return found || record !== null;
}

/** DELETE /modules/:id/versions/:version: gone from modules.v1 and oci:// at once. 404 when absent. */
export async function deleteVersion(ctx: ModuleContext, id: string, rawVersion: string, caller: Caller): Promise<void> {
  const { addr } = await loadModule(ctx, id, caller);
  const { version, tag } = parseModuleVersion(rawVersion);
  await ctx.deps.locks.tryRun(
    `module-version|${addr.repository}|${tag}`,
    async () => {
      if (!(await removeVersionTag(ctx, addr, tag, caller)))
        throw new AppError('VERSION_NOT_FOUND', `module ${addr.display} has no version ${version}`);
    },
    () => {
      throw new AppError(
        'CONFLICT',
        `version ${version} of module ${addr.display} is being published right now; try again when that finished`,
      );
    },
  );
}
