// Manifest operations of the registry store: HEAD/GET with the OCI Accept header (Distribution 2.8
// answers 404 without it), verified reads (4 MiB cap, Content-Length, sha256 against the reference
// and Docker-Content-Digest), PUT with the manifest's media type, DELETE by digest.
// Reference: https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pulling-manifests
import { OciError, isOciError } from '../errors.js';
import type { CallOptions, DeleteManifestOptions, FetchedManifest } from '../store.js';
import { sha256Digest, validateReference, validateRepository } from '../store-support.js';
import { MANIFEST_ACCEPT, MAX_MANIFEST_BYTES, isDigest, type Descriptor, type Digest } from '../types.js';
import { callCredential, failure, v2Url, withSignal, type RegistryContext } from './context.js';
import { sendFollowingRedirects } from './redirects.js';
import { discard, readCapped } from './response.js';
import { ACTION_DELETE, ACTION_PULL, ACTION_PUSH, repositoryScope } from './scope.js';
import { header, redactUrl, type HttpResponse } from './transport.js';

/** The media type of a Content-Type header, parameters stripped. */
export function mediaTypeOf(contentType: string | undefined): string | undefined {
  const t = contentType?.split(';')[0]?.trim().toLowerCase();
  return t === '' ? undefined : t;
}

function checkHeaderDigest(res: HttpResponse, digest: Digest): void {
  const claimed = header(res.headers, 'docker-content-digest');
  if (claimed?.startsWith('sha256:') && claimed !== digest) {
    throw new OciError('DIGEST_MISMATCH', `registry claims ${claimed} for content hashing to ${digest}`, {
      method: res.method,
      url: redactUrl(res.url),
    });
  }
}

function manifestRequest(ctx: RegistryContext, method: 'GET' | 'HEAD', repository: string, reference: string, opts?: CallOptions) {
  return sendFollowingRedirects(
    ctx.auth,
    ctx.transport,
    {
      method,
      url: v2Url(ctx, `${repository}/manifests/${reference}`),
      headers: { accept: MANIFEST_ACCEPT },
      scopes: [repositoryScope(repository, ACTION_PULL)],
      credential: callCredential(ctx, opts),
      ...withSignal(opts),
    },
    { crossOrigin: 'return' },
  );
}

/** GET a manifest, verified. */
export async function fetchManifest(
  ctx: RegistryContext,
  repository: string,
  reference: string,
  opts?: CallOptions,
): Promise<FetchedManifest> {
  validateRepository(repository);
  validateReference(reference);
  const what = `fetch manifest ${repository}:${reference}`;
  const res = await manifestRequest(ctx, 'GET', repository, reference, opts);
  if (res.status !== 200) throw await failure(res, callCredential(ctx, opts), what);
  const bytes = await readCapped(res, MAX_MANIFEST_BYTES, 'manifest', opts?.signal);
  const declared = header(res.headers, 'content-length');
  if (declared !== undefined && Number(declared) !== bytes.length) {
    throw new OciError('SIZE_MISMATCH', `${what}: got ${bytes.length} bytes, Content-Length said ${declared}`);
  }
  const digest = sha256Digest(bytes);
  if (isDigest(reference) && digest !== reference) {
    throw new OciError('DIGEST_MISMATCH', `${what}: content hashes to ${digest}`);
  }
  checkHeaderDigest(res, digest);
  let mediaType = mediaTypeOf(header(res.headers, 'content-type'));
  if (mediaType === undefined || mediaType === 'application/json') {
    try {
      const body = JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown };
      if (typeof body.mediaType === 'string') mediaType = body.mediaType;
    } catch {
      // not JSON: keep what the header said
    }
  }
  if (mediaType === undefined) throw new OciError('PROTOCOL', `${what}: no media type`);
  return { descriptor: { mediaType, digest, size: bytes.length }, bytes };
}

/** HEAD a manifest; falls back to a verified GET when the registry omits Docker-Content-Digest. */
export async function resolveManifest(
  ctx: RegistryContext,
  repository: string,
  reference: string,
  opts?: CallOptions,
): Promise<Descriptor> {
  validateRepository(repository);
  validateReference(reference);
  const res = await manifestRequest(ctx, 'HEAD', repository, reference, opts);
  if (res.status !== 200) throw await failure(res, callCredential(ctx, opts), `resolve manifest ${repository}:${reference}`);
  await discard(res);
  const mediaType = mediaTypeOf(header(res.headers, 'content-type'));
  const size = Number(header(res.headers, 'content-length') ?? NaN);
  const claimed = header(res.headers, 'docker-content-digest');
  let digest: Digest | undefined;
  if (isDigest(reference)) {
    digest = reference;
    checkHeaderDigest(res, digest);
  } else if (claimed !== undefined && isDigest(claimed)) {
    digest = claimed;
  }
  if (digest === undefined || mediaType === undefined || mediaType === 'application/json' || !Number.isSafeInteger(size) || size < 0) {
    return (await fetchManifest(ctx, repository, reference, opts)).descriptor;
  }
  if (size > MAX_MANIFEST_BYTES) throw new OciError('TOO_LARGE', `manifest ${repository}:${reference} has ${size} bytes`);
  return { mediaType, digest, size };
}

/** PUT a manifest under a tag or its own digest. */
export async function pushManifest(
  ctx: RegistryContext,
  repository: string,
  reference: string,
  bytes: Buffer,
  mediaType: string,
  opts?: CallOptions,
): Promise<Descriptor> {
  validateRepository(repository);
  validateReference(reference);
  const what = `push manifest ${repository}:${reference}`;
  if (bytes.length > MAX_MANIFEST_BYTES) throw new OciError('TOO_LARGE', `${what}: ${bytes.length} bytes exceeds 4 MiB`);
  const digest = sha256Digest(bytes);
  if (isDigest(reference) && reference !== digest) {
    throw new OciError('DIGEST_MISMATCH', `${what}: content hashes to ${digest}`);
  }
  const credential = callCredential(ctx, opts);
  const res = await ctx.auth.send({
    method: 'PUT',
    url: v2Url(ctx, `${repository}/manifests/${reference}`),
    headers: { 'content-type': mediaType },
    body: bytes,
    scopes: [repositoryScope(repository, ACTION_PULL, ACTION_PUSH)],
    credential,
    ...withSignal(opts),
  });
  if (res.status !== 201 && res.status !== 200) throw await failure(res, credential, what);
  await discard(res);
  checkHeaderDigest(res, digest);
  return { mediaType, digest, size: bytes.length };
}

/**
 * DELETE a tag (OCI distribution spec 1.1, "Deleting tags"). False when the registry does not support it:
 * Distribution 2.8 answers 400 DIGEST_INVALID, others 405 UNSUPPORTED; absent (404) is true.
 */
async function deleteTag(ctx: RegistryContext, repository: string, tag: string, opts?: CallOptions): Promise<boolean> {
  validateReference(tag);
  const credential = callCredential(ctx, opts);
  const res = await ctx.auth.send({
    method: 'DELETE',
    url: v2Url(ctx, `${repository}/manifests/${tag}`),
    scopes: [repositoryScope(repository, ACTION_DELETE)],
    credential,
    ...withSignal(opts),
  });
  if (res.status === 202 || res.status === 200 || res.status === 204 || res.status === 404) {
    await discard(res);
    return true;
  }
  if (res.status === 400 || res.status === 405) {
    await discard(res);
    return false;
  }
  throw await failure(res, credential, `delete tag ${repository}:${tag}`);
}

/**
 * DELETE a manifest by digest (the registry drops the tags pointing at it), after deleting `opts.tags`
 * where the registry supports tag deletes: crane's registry keeps serving the tags of a manifest deleted
 * by digest (docs/registries.md). A tag is deleted only while it still points at `digest`.
 */
export async function deleteManifest(
  ctx: RegistryContext,
  repository: string,
  digest: Digest,
  opts?: DeleteManifestOptions,
): Promise<void> {
  validateRepository(repository);
  if (!isDigest(digest)) throw new OciError('INVALID', `delete manifest: ${JSON.stringify(digest)} is not a digest`);
  for (const tag of opts?.tags ?? []) {
    if (isDigest(tag)) continue;
    const current = await resolveManifest(ctx, repository, tag, opts).catch((err: unknown) => {
      if (isOciError(err, 'NOT_FOUND')) return null;
      throw err;
    });
    if (current?.digest !== digest) continue; // moved to another manifest meanwhile: not ours to delete
    if (!(await deleteTag(ctx, repository, tag, opts))) break; // unsupported: the digest delete drops it
  }
  const credential = callCredential(ctx, opts);
  const res = await ctx.auth.send({
    method: 'DELETE',
    url: v2Url(ctx, `${repository}/manifests/${digest}`),
    scopes: [repositoryScope(repository, ACTION_DELETE)],
    credential,
    ...withSignal(opts),
  });
  if (res.status !== 202 && res.status !== 200 && res.status !== 204) {
    throw await failure(res, credential, `delete manifest ${repository}@${digest}`);
  }
  await discard(res);
}
