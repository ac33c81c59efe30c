// Blob reads and deletes of the registry store. A blob GET streams: the undici body (a Node Readable)
// flows through a DigestCounter that checks size and sha256 as the bytes pass (or, with verify = 'size',
// is passed on as it comes: undici itself fails a body shorter or longer than its Content-Length) and
// fails the stream on a mismatch or a dropped connection (as an OciError). Same-origin redirects keep
// credentials; cross-origin ones (object storage) are followed without them, or reported by blobRedirect().
// Reference: https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pulling-blobs
import { Readable } from 'node:stream';
import { OciError } from '../errors.js';
import { isLending } from '../lending.js';
import type { BlobFetchOptions, BlobLocation, BlobRedirect, BlobVerification, CallOptions, FetchedBlob } from '../store.js';
import { DigestCounter, validateDigest, validateRepository } from '../store-support.js';
import type { Digest } from '../types.js';
import { callCredential, failure, v2Url, withSignal, type RegistryContext } from './context.js';
import { isRedirect, sendFollowingRedirects, type FollowOptions } from './redirects.js';
import { idleBodyError } from './lent-body.js';
import { destroyBody, discard } from './response.js';
import { ACTION_DELETE, ACTION_PULL, repositoryScope } from './scope.js';
import { header, redactUrl, transportError, type HttpResponse, type PoolName } from './transport.js';

function blobRequest(
  ctx: RegistryContext,
  method: 'GET' | 'HEAD',
  repository: string,
  digest: Digest,
  opts: CallOptions | undefined,
  follow: FollowOptions,
  scopes: readonly string[] = [repositoryScope(repository, ACTION_PULL)],
  pool: PoolName = 'metadata',
) {
  return sendFollowingRedirects(
    ctx.auth,
    ctx.transport,
    {
      method,
      url: v2Url(ctx, `${repository}/blobs/${digest}`),
      scopes,
      credential: callCredential(ctx, opts),
      timeout: method === 'GET' ? 'idle' : 'total',
      pool,
      ...withSignal(opts),
    },
    follow,
  );
}

/** HEAD a blob with the given scopes (uploads ask with pull+push to reuse one token). */
export async function headBlob(
  ctx: RegistryContext,
  repository: string,
  digest: Digest,
  opts?: CallOptions,
  scopes?: readonly string[],
): Promise<{ size: number } | null> {
  validateRepository(repository);
  validateDigest(digest);
  const res = await blobRequest(ctx, 'HEAD', repository, digest, opts, { crossOrigin: 'follow' }, scopes);
  await discard(res);
  if (res.status === 404) return null;
  if (res.status !== 200) throw await failure(res, callCredential(ctx, opts), `stat blob ${repository}@${digest}`);
  const size = Number(header(res.headers, 'content-length'));
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new OciError('PROTOCOL', `stat blob ${repository}@${digest}: no Content-Length`, { method: 'HEAD', url: redactUrl(res.url) });
  }
  return { size };
}

/**
 * Pipes a blob response through a verifying counter; transport failures surface as OciErrors. The body
 * fails with TIMEOUT once no byte has come for `idleMs`: the registry stopped sending, or the reader
 * stopped reading (the counter's buffers are full and the body is paused). Either way its connection
 * goes back to the pool instead of being held for as long as the reader likes.
 */
function verifiedBody(
  res: HttpResponse,
  digest: Digest,
  size: number,
  verify: BlobVerification,
  idleMs: number,
  signal?: AbortSignal,
): Readable {
  // Node's default stream buffers: a 256 KiB buffer measured no different (bench/experiments/download-variants.ts).
  const body = res.body;
  // The download client's bodies check their length and silences themselves (lent-body.ts), and stay
  // lendable (no stream in between) for the HTTP layer.
  if (verify === 'size' && isLending(body)) return body;
  const counter: Readable = verify === 'size' ? new SizedBody(body) : body.pipe(new DigestCounter({ size, digest }));
  // One timer per stream, re-armed lazily: a chunk only records its time (no timer work per chunk).
  let last = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const check = (): void => {
    const quiet = performance.now() - last;
    if (quiet < idleMs) {
      timer = setTimeout(check, Math.ceil(idleMs - quiet));
      return;
    }
    timer = undefined;
    body.destroy(idleBodyError({ method: res.method, url: redactUrl(res.url) }, body.readableFlowing === false, idleMs));
  };
  const stop = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  timer = setTimeout(check, idleMs);
  body.on('data', () => {
    last = performance.now();
  });
  body.once('end', stop);
  body.once('close', stop);
  body.on('error', (err: unknown) => {
    stop();
    const mapped = transportError(err, res.method, res.url, signal);
    counter.destroy(mapped instanceof Error ? mapped : new Error(String(mapped)));
  });
  counter.on('close', () => {
    stop();
    if (!body.destroyed) destroyBody(body);
  });
  return counter;
}

/**
 * A size-checked blob body (verify = 'size'): the undici body's chunks passed on as they come, with its
 * backpressure. The size needs no count here: fetchBlob takes the size from the Content-Length, and undici
 * fails a body that ends before it or runs past it (ResponseContentLengthMismatchError, or the socket's
 * error: test/oci/remote-protocol.test.ts). Lighter than a Transform piped from the body (the SizeCounter
 * the layout store uses): no write side, so one buffered chunk less per paused stream, and no per-chunk
 * write callback (bench/findings.md, "One write per turn, size-only blob bodies"). Errors come from
 * verifiedBody's handler.
 */
class SizedBody extends Readable {
  readonly #src: Readable;

  constructor(src: Readable) {
    super();
    this.#src = src;
    src.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) src.pause();
    });
    src.once('end', () => this.push(null));
  }

  override _read(): void {
    this.#src.resume();
  }
}

/** GET a blob as a verified stream (opts.verify: digest by default, or size only). */
export async function fetchBlob(ctx: RegistryContext, repository: string, digest: Digest, opts?: BlobFetchOptions): Promise<FetchedBlob> {
  validateRepository(repository);
  validateDigest(digest);
  const verify = opts?.verify ?? 'digest';
  const purpose = opts?.purpose ?? (verify === 'size' ? 'download' : 'read');
  const pool = purpose === 'download' ? 'download' : 'metadata';
  const res = await blobRequest(ctx, 'GET', repository, digest, opts, { crossOrigin: 'follow' }, undefined, pool);
  if (res.status !== 200) throw await failure(res, callCredential(ctx, opts), `fetch blob ${repository}@${digest}`);
  const size = Number(header(res.headers, 'content-length'));
  if (!Number.isSafeInteger(size) || size < 0) {
    destroyBody(res.body);
    throw new OciError('PROTOCOL', `fetch blob ${repository}@${digest}: no Content-Length`, { method: 'GET', url: redactUrl(res.url) });
  }
  const claimed = header(res.headers, 'docker-content-digest');
  if (claimed?.startsWith('sha256:') && claimed !== digest) {
    destroyBody(res.body);
    throw new OciError('DIGEST_MISMATCH', `fetch blob ${repository}@${digest}: registry sent ${claimed}`);
  }
  return { size, digest, body: verifiedBody(res, digest, size, verify, ctx.timeoutMs, opts?.signal) };
}

/** Where the registry redirects a blob GET to another origin, or null when it serves the bytes itself. */
export async function blobRedirect(
  ctx: RegistryContext,
  repository: string,
  digest: Digest,
  opts?: CallOptions,
): Promise<BlobRedirect | null> {
  validateRepository(repository);
  validateDigest(digest);
  const res = await blobRequest(ctx, 'GET', repository, digest, opts, { crossOrigin: 'return' });
  if (isRedirect(res)) {
    const location = new URL(header(res.headers, 'location') ?? '', res.url);
    await discard(res);
    return { location: location.href };
  }
  if (res.status === 200) {
    destroyBody(res.body); // we only wanted to know where the bytes live
    return null;
  }
  throw await failure(res, callCredential(ctx, opts), `locate blob ${repository}@${digest}`);
}

/**
 * Where a front proxy can GET a blob itself (download offload): its path under the registry origin and the
 * Authorization the registry accepted for a HEAD of it (a pull-scoped Bearer token for token-auth
 * registries, Basic for basic-auth ones, null when anonymous). A redirect (object storage) counts as
 * found: the proxy's GET gets the same redirect and hands it to its client.
 */
export async function blobLocation(ctx: RegistryContext, repository: string, digest: Digest, opts?: CallOptions): Promise<BlobLocation> {
  validateRepository(repository);
  validateDigest(digest);
  const res = await blobRequest(ctx, 'HEAD', repository, digest, opts, { crossOrigin: 'return' });
  await discard(res);
  if (res.status === 404) throw new OciError('NOT_FOUND', `blob ${repository}@${digest} not found`);
  if (res.status !== 200 && !isRedirect(res)) throw await failure(res, callCredential(ctx, opts), `locate blob ${repository}@${digest}`);
  return { path: `v2/${repository}/blobs/${digest}`, authorization: res.authorization };
}

/** DELETE a blob link from a repository. */
export async function deleteBlob(ctx: RegistryContext, repository: string, digest: Digest, opts?: CallOptions): Promise<void> {
  validateRepository(repository);
  validateDigest(digest);
  const credential = callCredential(ctx, opts);
  const res = await ctx.auth.send({
    method: 'DELETE',
    url: v2Url(ctx, `${repository}/blobs/${digest}`),
    scopes: [repositoryScope(repository, ACTION_DELETE)],
    credential,
    ...withSignal(opts),
  });
  if (res.status !== 202 && res.status !== 200 && res.status !== 204) {
    throw await failure(res, credential, `delete blob ${repository}@${digest}`);
  }
  await discard(res);
}
