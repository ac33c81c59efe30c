// Blob uploads and cross-repository mounts of the registry store.
// Every upload starts with a body-less POST (authentication happens there, where nothing has to be
// replayed), then:
//   stream:  ONE streaming PATCH (chunked, application/octet-stream) hashed and counted on the way,
//            then PUT <Location>&digest=… with an empty body;
//   buffer:  a monolithic PUT <Location>&digest=… with the bytes.
// The PATCH and PUT reuse the Authorization that opened the session. Each response's Location (absolute
// or relative, already carrying ?_state=) is the URL of the next step. A failed upload is cancelled.
// Reference: https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pushing-blobs
import { pipeline, type Readable } from 'node:stream';
import { OciError } from '../errors.js';
import type { BlobPushOptions, CallOptions, Credential } from '../store.js';
import { DigestCounter, checkBuffer, validateRepository } from '../store-support.js';
import { isDigest, type Descriptor, type Digest } from '../types.js';
import { headBlob } from './blobs.js';
import { callCredential, failure, v2Url, withSignal, type RegistryContext } from './context.js';
import { discard } from './response.js';
import { ACTION_PULL, ACTION_PUSH, repositoryScope } from './scope.js';
import { header, redactUrl, type HttpResponse } from './transport.js';

const OCTET_STREAM = 'application/octet-stream';

interface UploadSession {
  location: URL;
  authorization: string | null;
  credential: Credential | undefined;
}

function nextLocation(ctx: RegistryContext, res: HttpResponse, fallback?: URL): URL {
  const loc = header(res.headers, 'location');
  if (loc === undefined) {
    if (fallback) return fallback;
    throw new OciError('PROTOCOL', `${res.method} ${redactUrl(res.url)}: upload response without Location`);
  }
  return new URL(loc, ctx.base);
}

/** Appends `digest=` to an upload URL that may already carry a query (`?_state=…`), keeping its encoding. */
export function withDigest(location: URL, digest: Digest): URL {
  const url = new URL(location);
  const param = `digest=${encodeURIComponent(digest)}`;
  url.search = url.search === '' || url.search === '?' ? `?${param}` : `${url.search}&${param}`;
  return url;
}

async function startUpload(
  ctx: RegistryContext,
  repository: string,
  scopes: string[],
  opts: CallOptions | undefined,
  query = '',
): Promise<UploadSession | 'mounted'> {
  const credential = callCredential(ctx, opts);
  const res = await ctx.auth.send({
    method: 'POST',
    url: v2Url(ctx, `${repository}/blobs/uploads/${query}`),
    scopes,
    credential,
    ...withSignal(opts),
  });
  if (res.status === 201 && query !== '') {
    await discard(res);
    return 'mounted';
  }
  if (res.status !== 202) throw await failure(res, credential, `start upload to ${repository}`);
  await discard(res);
  return { location: nextLocation(ctx, res), authorization: res.authorization, credential };
}

/** Best-effort DELETE of an upload session (the registry purges stale ones anyway). */
async function cancel(ctx: RegistryContext, session: UploadSession): Promise<void> {
  try {
    const res = await ctx.auth.send({
      method: 'DELETE',
      url: session.location,
      scopes: [],
      credential: session.credential,
      authorization: session.authorization,
    });
    await discard(res);
  } catch {
    // the session expires on its own
  }
}

async function finish(
  ctx: RegistryContext,
  session: UploadSession,
  digest: Digest,
  body: Buffer | undefined,
  opts?: CallOptions,
): Promise<void> {
  const res = await ctx.auth.send({
    method: 'PUT',
    url: withDigest(session.location, digest),
    headers: { 'content-type': OCTET_STREAM, ...(body === undefined ? { 'content-length': '0' } : {}) },
    ...(body === undefined ? {} : { body, pool: 'upload' as const }),
    scopes: [],
    credential: session.credential,
    authorization: session.authorization,
    ...withSignal(opts),
  });
  if (res.status !== 201 && res.status !== 204 && res.status !== 200) {
    const err = await failure(res, session.credential, `finish upload of ${digest}`);
    await cancel(ctx, session);
    throw err;
  }
  await discard(res);
  const claimed = header(res.headers, 'docker-content-digest');
  if (claimed?.startsWith('sha256:') && claimed !== digest) {
    throw new OciError('DIGEST_MISMATCH', `registry stored ${claimed} for an upload hashing to ${digest}`);
  }
}

async function patchStream(ctx: RegistryContext, session: UploadSession, source: Readable, opts: BlobPushOptions): Promise<Descriptor> {
  const counter = new DigestCounter(opts);
  let sourceError: unknown;
  // pipeline() propagates errors both ways and destroys both streams on failure.
  pipeline(source, counter, (err) => {
    if (err) sourceError ??= err;
  });
  let res: HttpResponse;
  try {
    res = await ctx.auth.send({
      method: 'PATCH',
      url: session.location,
      headers: { 'content-type': OCTET_STREAM },
      body: counter,
      timeout: 'idle',
      pool: 'upload',
      scopes: [],
      credential: session.credential,
      authorization: session.authorization,
      ...withSignal(opts),
    });
  } catch (err) {
    counter.destroy();
    await cancel(ctx, session);
    throw counter.failure ?? source.errored ?? err;
  }
  if (counter.failure !== undefined || res.status !== 202) {
    const err = counter.failure ?? (await failure(res, session.credential, 'upload blob data'));
    counter.destroy();
    await discard(res);
    await cancel(ctx, session);
    throw err;
  }
  await discard(res);
  const digest = counter.digest;
  if (digest === undefined) {
    await cancel(ctx, session);
    throw sourceError ?? new OciError('PROTOCOL', 'registry accepted the upload before the stream ended');
  }
  session.location = nextLocation(ctx, res, session.location);
  await finish(ctx, session, digest, undefined, opts);
  return { mediaType: OCTET_STREAM, digest, size: counter.size };
}

/**
 * Uploads a blob from a stream or bytes (see the file comment for the protocol). A stream source is
 * consumed, and destroyed if the upload fails or turns out to be unnecessary.
 */
export async function pushBlob(
  ctx: RegistryContext,
  repository: string,
  source: Readable | Buffer,
  opts: BlobPushOptions = {},
): Promise<Descriptor> {
  try {
    return await upload(ctx, repository, source, opts);
  } catch (err) {
    if (!Buffer.isBuffer(source)) source.destroy();
    throw err;
  }
}

async function upload(ctx: RegistryContext, repository: string, source: Readable | Buffer, opts: BlobPushOptions): Promise<Descriptor> {
  validateRepository(repository);
  if (opts.digest !== undefined && !isDigest(opts.digest)) throw new OciError('INVALID', `invalid digest ${JSON.stringify(opts.digest)}`);
  const scopes = [repositoryScope(repository, ACTION_PULL, ACTION_PUSH)];
  const known = Buffer.isBuffer(source) ? checkBuffer(source, opts).digest : opts.digest;
  if (known !== undefined) {
    const existing = await headBlob(ctx, repository, known, opts, scopes);
    if (existing !== null && (opts.size === undefined || existing.size === opts.size)) {
      if (!Buffer.isBuffer(source)) source.destroy();
      return { mediaType: OCTET_STREAM, digest: known, size: existing.size };
    }
  }
  const session = await startUpload(ctx, repository, scopes, opts);
  if (session === 'mounted') throw new OciError('PROTOCOL', 'registry mounted a blob nobody asked to mount');
  if (Buffer.isBuffer(source)) {
    const digest = known as Digest;
    await finish(ctx, session, digest, source, opts);
    return { mediaType: OCTET_STREAM, digest, size: source.length };
  }
  return patchStream(ctx, session, source, opts);
}

/** Cross-repository mount: true when the registry linked the blob, false when it offered an upload instead. */
export async function mountBlob(
  ctx: RegistryContext,
  repository: string,
  digest: Digest,
  fromRepository: string,
  opts?: CallOptions,
): Promise<boolean> {
  validateRepository(repository);
  validateRepository(fromRepository);
  if (!isDigest(digest)) throw new OciError('INVALID', `invalid digest ${JSON.stringify(digest)}`);
  const scopes = [repositoryScope(repository, ACTION_PULL, ACTION_PUSH), repositoryScope(fromRepository, ACTION_PULL)];
  const query = `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(fromRepository)}`;
  const session = await startUpload(ctx, repository, scopes, opts, query);
  if (session === 'mounted') return true;
  await cancel(ctx, session);
  return false;
}
