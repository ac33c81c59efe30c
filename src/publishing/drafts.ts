// The draft flow of docs/design/publishing-baseline.md#drafts ("a version not published right away stays a draft
// until Publish is clicked"): files are uploaded one by one, listed, then
// published with the same checks as a tarball. A draft is an image manifest in the PROVIDER repository
// under the non-semver tag `draft.<version tag>`, one layer per file (drawn in src/layout/records.ts);
// zips carry their h1 annotation, computed when the zip was uploaded and checked.
//
// Re-uploading a file name replaces its layer. Each zip is checked when it is uploaded (format, contents,
// h1) and refused right away when bad; the release-wide checks run at publish. Writes to one draft are
// serialized in-process; two replicas writing the same draft at once can lose one file (documented).
import type { Readable } from 'node:stream';
import { AppError } from '../core/app-error.js';
import { ANNOTATION_H1, ANNOTATION_TITLE, ANNOTATION_VERSION } from '../layout/media-types.js';
import { buildImageManifest, emptyConfigDescriptor } from '../layout/oci-json.js';
import { isOciError } from '../oci/errors.js';
import { EMPTY_CONFIG_BYTES, EMPTY_CONFIG_DIGEST, MEDIA_TYPE_IMAGE_MANIFEST, type Descriptor } from '../oci/types.js';
import { sha256Digest } from '../oci/store-support.js';
import { callOpts, type Caller } from '../core/caller.js';
import { readSmallBlob } from '../read-cache/reader.js';
import { LimitExceededError, UploadInterruptedError, shieldBody } from '../core/byte-limit.js';
import { completeRelease, outcomeError } from './complete-release.js';
import type { PublishContext } from './context.js';
import { byCodeUnit } from '../core/attributes.js';
import { ARTIFACT_TYPE_DRAFT, MEDIA_TYPE_DRAFT_FILE, draftTag } from '../layout/records.js';
import { classifyReleasePath, emptyRelease, type CollectedRelease, type FileRole } from './release-files.js';
import { storeError } from '../core/store-errors.js';
import type { VersionRecord } from './types.js';
import { loadVersion } from './version-records.js';
import { repositoryOf } from './version-removal.js';
import { ZipSpool } from './zip-spool.js';

export interface DraftFile {
  filename: string;
  role: FileRole['role'];
  size: number;
  /** Lowercase sha256 hex. */
  sha256: string;
}

const fileOf = (layer: Descriptor, role: FileRole['role']): DraftFile => ({
  filename: layer.annotations?.[ANNOTATION_TITLE] ?? '',
  role,
  size: layer.size,
  sha256: layer.digest.slice('sha256:'.length),
});

async function readDraft(ctx: PublishContext, v: VersionRecord, caller: Caller): Promise<{ layers: Descriptor[]; digest: string | null }> {
  try {
    const { descriptor, bytes } = await ctx.deps.store.fetchManifest(repositoryOf(ctx, v), draftTag(v.version), callOpts(caller));
    const m = JSON.parse(bytes.toString('utf8')) as { artifactType?: string; layers?: Descriptor[] };
    if (m.artifactType !== ARTIFACT_TYPE_DRAFT || !Array.isArray(m.layers)) {
      throw new AppError('UPSTREAM_ERROR', `the draft manifest of ${v.id} is not a draft (artifactType ${String(m.artifactType)})`);
    }
    return { layers: m.layers, digest: descriptor.digest };
  } catch (err) {
    if (isOciError(err, 'NOT_FOUND')) return { layers: [], digest: null };
    if (err instanceof AppError) throw err;
    throw storeError(err, ctx.deps);
  }
}

function roleOf(v: VersionRecord, filename: string): FileRole {
  const role = classifyReleasePath(filename, v.type, v.version, false);
  if (typeof role === 'string') throw new AppError('VALIDATION_FAILED', role, { source: { parameter: 'filename' } });
  return role;
}

function assertOpen(v: VersionRecord): void {
  if (v.status === 'uploaded')
    throw new AppError('CONFLICT', `version ${v.version} of ${v.namespace}/${v.type} is already published; delete it to publish it again`);
}

/** Reads a (size-capped, see putDraftFile) body into memory. */
async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Streams one file into the provider repository and returns its layer (zips checked on the way). */
async function storeFile(
  ctx: PublishContext,
  v: VersionRecord,
  filename: string,
  role: FileRole,
  body: Readable,
  caller: Caller,
): Promise<Descriptor> {
  const { store, limits } = ctx.deps;
  const repository = repositoryOf(ctx, v);
  const annotations: Record<string, string> = { [ANNOTATION_TITLE]: filename };
  if (role.role !== 'zip') {
    const bytes = await readAll(body);
    const d = await store
      .pushBlob(repository, bytes, { ...callOpts(caller), digest: sha256Digest(bytes), size: bytes.length })
      .catch((e: unknown) => {
        throw storeError(e, ctx.deps);
      });
    return { mediaType: MEDIA_TYPE_DRAFT_FILE, digest: d.digest, size: bytes.length, annotations };
  }
  const spool = new ZipSpool({
    store,
    repository,
    type: v.type,
    version: v.version,
    tmpDir: ctx.deps.tmpDir,
    ...(ctx.deps.inspectZip ? { inspect: ctx.deps.inspectZip } : {}),
    maxEntryBytes: limits.maxEntryBytes,
    opts: callOpts(caller),
  });
  try {
    await spool.add(body, { filename, os: role.os, arch: role.arch }); // capped at maxEntryBytes while streaming
    const result = await spool.settle();
    const zip = result.zips[0];
    if (!zip) {
      const [first = `${filename}: refused`, ...rest] = result.problems;
      throw new AppError('UNPROCESSABLE_ARTIFACT', first, { details: rest });
    }
    return {
      mediaType: MEDIA_TYPE_DRAFT_FILE,
      digest: zip.blob.digest,
      size: zip.blob.size,
      annotations: { ...annotations, [ANNOTATION_H1]: zip.h1 },
    };
  } catch (err) {
    if (err instanceof AppError || err instanceof LimitExceededError || err instanceof UploadInterruptedError) throw err;
    throw storeError(err, ctx.deps);
  } finally {
    await spool.dispose();
  }
}

/** PUT /provider-versions/:id/files/:filename. */
export async function putDraftFile(
  ctx: PublishContext,
  id: string,
  filename: string,
  body: { stream: Readable; contentLength?: number },
  caller: Caller,
): Promise<DraftFile> {
  const first = (await loadVersion(ctx, id, caller)).data;
  assertOpen(first);
  const role = roleOf(first, filename);
  const max = role.role === 'zip' ? ctx.deps.limits.maxEntryBytes : ctx.deps.limits.maxSmallFileBytes;
  let layer: Descriptor;
  try {
    if (body.contentLength !== undefined && body.contentLength > max) {
      throw new LimitExceededError(`${filename} is ${body.contentLength} bytes, over the limit of ${max} bytes for this file`);
    }
    const shielded = shieldBody(body.stream, max, filename);
    try {
      layer = await storeFile(ctx, first, filename, role, shielded.stream, caller);
    } finally {
      shielded.release();
    }
  } catch (err) {
    if (err instanceof LimitExceededError) throw new AppError('PAYLOAD_TOO_LARGE', err.message, { headers: { Connection: 'close' } });
    if (err instanceof UploadInterruptedError)
      throw new AppError('BAD_REQUEST', `the upload of ${filename} was interrupted: ${err.message}`);
    throw err;
  }
  // The blob is stored; only the manifest update needs the lock (uploads of several files run in parallel).
  return ctx.deps.locks.run(`version|${id}`, async () => {
    const v = (await loadVersion(ctx, id, caller)).data;
    assertOpen(v);
    const draft = await readDraft(ctx, v, caller);
    const layers = draft.layers
      .filter((l) => l.annotations?.[ANNOTATION_TITLE] !== filename)
      .concat(layer)
      .sort((a, b) => byCodeUnit(a.annotations?.[ANNOTATION_TITLE] ?? '', b.annotations?.[ANNOTATION_TITLE] ?? ''));
    await writeDraft(ctx, v, layers, caller);
    return fileOf(layer, role.role);
  });
}

async function writeDraft(ctx: PublishContext, v: VersionRecord, layers: Descriptor[], caller: Caller): Promise<void> {
  const repository = repositoryOf(ctx, v);
  const built = buildImageManifest({
    schemaVersion: 2,
    mediaType: MEDIA_TYPE_IMAGE_MANIFEST,
    artifactType: ARTIFACT_TYPE_DRAFT,
    config: emptyConfigDescriptor(),
    layers,
    annotations: { [ANNOTATION_VERSION]: v.version },
  });
  try {
    await ctx.deps.store.pushBlob(repository, EMPTY_CONFIG_BYTES, { ...callOpts(caller), digest: EMPTY_CONFIG_DIGEST, size: 2 });
    await ctx.deps.store.pushManifest(repository, draftTag(v.version), built.bytes, MEDIA_TYPE_IMAGE_MANIFEST, callOpts(caller));
  } catch (err) {
    throw storeError(err, ctx.deps);
  }
}

/** GET /provider-versions/:id/files. */
export async function listDraftFiles(ctx: PublishContext, id: string, caller: Caller): Promise<DraftFile[]> {
  const v = (await loadVersion(ctx, id, caller)).data;
  const { layers } = await readDraft(ctx, v, caller);
  return layers.map((l) => {
    const role = classifyReleasePath(l.annotations?.[ANNOTATION_TITLE] ?? '', v.type, v.version, false);
    return fileOf(l, typeof role === 'string' ? 'extra' : role.role);
  });
}

/** Rebuilds what a tarball would have collected from the draft's layers (small files read back). */
async function collectDraft(ctx: PublishContext, v: VersionRecord, layers: Descriptor[], caller: Caller): Promise<CollectedRelease> {
  const c = emptyRelease();
  const repository = repositoryOf(ctx, v);
  for (const layer of layers) {
    const filename = layer.annotations?.[ANNOTATION_TITLE] ?? '';
    const role = classifyReleasePath(filename, v.type, v.version, false);
    if (typeof role === 'string') {
      c.problems.push(role);
      continue;
    }
    c.hashes.set(filename, layer.digest.slice('sha256:'.length));
    if (role.role === 'zip') {
      const h1 = layer.annotations?.[ANNOTATION_H1];
      if (h1 === undefined) c.problems.push(`${filename}: the draft lost its h1 hash; upload the file again (zip check)`);
      else
        c.zips.push({
          filename,
          os: role.os,
          arch: role.arch,
          blob: { mediaType: 'application/zip', digest: layer.digest, size: layer.size },
          h1,
        });
      continue;
    }
    if (role.role === 'extra') continue;
    const bytes = await readSmallBlob(ctx.deps, repository, layer, caller).catch((e: unknown) => {
      throw storeError(e, ctx.deps);
    });
    const file = { filename, bytes };
    if (role.role === 'shasums') c.shasums = file;
    else if (role.role === 'signature') c.signature = file;
    else c.manifests.push(file);
  }
  return c;
}

/** POST /provider-versions/:id/publish: the tarball's checks over the draft; the draft is removed once published. */
export async function publishDraft(ctx: PublishContext, id: string, caller: Caller): Promise<VersionRecord> {
  return ctx.deps.locks.tryRun(
    `version|${id}`,
    async () => {
      const stored = await loadVersion(ctx, id, caller);
      const v = stored.data;
      assertOpen(v);
      const draft = await readDraft(ctx, v, caller);
      if (draft.layers.length === 0)
        throw new AppError(
          'UNPROCESSABLE_ARTIFACT',
          `version ${v.version} has no draft files; upload them with PUT /api/v1/provider-versions/${id}/files/<filename>`,
        );
      const record = await completeRelease(ctx, stored, await collectDraft(ctx, v, draft.layers, caller), caller);
      const refused = outcomeError(record);
      if (refused) throw refused;
      if (draft.digest) {
        await ctx.deps.store
          .deleteManifest(repositoryOf(ctx, v), draft.digest as Descriptor['digest'], { ...callOpts(caller), tags: [draftTag(v.version)] })
          .catch((err: unknown) => ctx.deps.logger.warn({ err, id }, 'published draft manifest not deleted'));
      }
      return record;
    },
    () => {
      throw new AppError('CONFLICT', `version ${id} is being uploaded or published right now`);
    },
  );
}
