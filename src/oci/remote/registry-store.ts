// The remote registry store: an OciStore over a Distribution-compatible registry (CNCF Distribution,
// GHCR, ECR, Harbor, …). Composes the layers oras-go style: transport (undici, retries, timeouts)
// -> auth (challenges, token cache) -> the manifest / blob / upload / tag modules. The store holds no
// global state: the undici dispatchers and the token cache are injected (or created per store).
// Connection pools per purpose (transport.ts): metadata, download (blob streams served to clients) and
// upload, each with its own connection limit, so that downloads never starve metadata, the API or /readyz.
import { listRepositories } from './catalog.js';
import type { Dispatcher } from 'undici';
import { createDispatcher, hasProxy, NO_PROXY_SETTINGS, type ProxySettings, proxyRouter } from '../proxy.js';
import { isOciError } from '../errors.js';
import type { CallOptions, Credential, OciStore } from '../store.js';
import { createAuthClient } from './auth.js';
import { deleteBlob, fetchBlob, blobLocation, blobRedirect, headBlob } from './blobs.js';
import { callCredential, failure, v2Url, withSignal, type RegistryContext } from './context.js';
import { deleteManifest, fetchManifest, pushManifest, resolveManifest } from './manifests.js';
import { discard } from './response.js';
import { listTags } from './tags.js';
import { TokenCache } from './token-cache.js';
import { createSocketClient } from './socket-client.js';
import { createTransport, POOL_NAMES, type DebugLogger, type PoolName } from './transport.js';
import { mountBlob, pushBlob } from './upload.js';

export interface RegistryStoreOptions {
  /** Registry base URL, e.g. `https://ghcr.io` or `http://127.0.0.1:5000` (origin only, no path). */
  url: string;
  /** Allow an `http://` URL (and an http token realm). Default false. */
  plainHttp?: boolean;
  /** The store's own credential; a call's `opts.credential` overrides it (delegated auth). */
  credential?: Credential;
  /**
   * ONE keep-alive undici dispatcher for every request, owned by the caller (tests, special TLS): then
   * downloads share its connections with metadata. Default: the store's own pools, one per purpose.
   */
  dispatcher?: Dispatcher;
  /** A dispatcher per pool, owned by the caller; pools not named get the store's own (or `dispatcher`). */
  dispatchers?: Partial<Record<PoolName, Dispatcher>>;
  /** Connection limits of the store's own pools. Default: metadata 64, download 64, upload 16. */
  connections?: Partial<Record<PoolName, number>>;
  /**
   * Per-request timeout in ms. Metadata: the whole exchange. Blob GETs: the response headers (waiting for
   * a connection included), then the longest silence of the body, whether the registry stops sending or
   * the reader stops reading (the stream then fails with TIMEOUT and its connection is freed). Streamed
   * uploads: the longest silence. Default 30 000.
   */
  timeoutMs?: number;
  /** Extra attempts for replayable requests. Default 2 (3 attempts in all). */
  retries?: number;
  userAgent?: string;
  /** Token cache, shared between stores if wanted (it is keyed by credential identity). */
  tokenCache?: TokenCache;
  logger?: DebugLogger;
  /** First retry backoff in ms (tests shorten it). Default 200. */
  backoffMs?: number;
  /**
   * Blob downloads through the socket client (socket-client.ts: reused read buffers, about half the CPU
   * per GB of undici) when the store owns its download pool. Default true; false sends them through undici.
   */
  socketDownloads?: boolean;
  /**
   * Outbound proxies (HTTPS_PROXY, NO_PROXY) for the store's own pools. Blob downloads to an origin a proxy
   * applies to (the registry, or the object storage it redirects to) go through undici, not the socket client.
   */
  proxy?: ProxySettings;
}

/** Parses and checks the registry URL: http(s) origin only, http only with plainHttp, no userinfo. */
export function parseRegistryUrl(url: string, plainHttp = false): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`invalid registry URL ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new TypeError(`registry URL must be http(s): ${parsed.protocol}`);
  }
  if (parsed.protocol === 'http:' && !plainHttp) {
    throw new TypeError(`refusing plain-http registry ${parsed.origin}: set plainHttp to allow it`);
  }
  if (parsed.username !== '' || parsed.password !== '') throw new TypeError('registry URL must not contain credentials');
  if ((parsed.pathname !== '/' && parsed.pathname !== '') || parsed.search !== '' || parsed.hash !== '') {
    throw new TypeError(`registry URL must be an origin without path: ${parsed.origin}${parsed.pathname}`);
  }
  return new URL(`${parsed.origin}/`);
}

/**
 * Default connection limits of a store's own pools. A download holds its connection for the whole
 * transfer, so the download pool must fit every concurrent download: with 64, the 65th of 500 concurrent
 * 50 MB downloads waited in the pool's queue past request_timeout and got 504 (bench load scenario,
 * docs/fault-tolerance.md#concurrent-downloads). A slow client cannot pin one for ever (the idle limit of
 * src/http/node-io.ts), and a hung registry fails every waiting download at the same timeout.
 */
export const DEFAULT_POOL_CONNECTIONS: Readonly<Record<PoolName, number>> = { metadata: 64, download: 1024, upload: 16 };

/** The dispatcher of each pool: given ones first, then `dispatcher`, else a new Agent per pool. */
function poolDispatchers(opts: RegistryStoreOptions): Record<PoolName, Dispatcher> {
  const out = {} as Record<PoolName, Dispatcher>;
  for (const pool of POOL_NAMES) {
    out[pool] =
      opts.dispatchers?.[pool] ??
      opts.dispatcher ??
      createDispatcher(opts.proxy ?? NO_PROXY_SETTINGS, {
        keepAliveTimeout: 30_000,
        connections: opts.connections?.[pool] ?? DEFAULT_POOL_CONNECTIONS[pool],
      });
  }
  return out;
}

/** Creates an OciStore backed by a remote registry. */
export function createRegistryStore(opts: RegistryStoreOptions): OciStore {
  const base = parseRegistryUrl(opts.url, opts.plainHttp);
  const dispatchers = poolDispatchers(opts);
  // A download dispatcher given by the caller (a proxy, special TLS, a test's mock) is always used.
  const ownDownloads = opts.dispatcher === undefined && opts.dispatchers?.download === undefined;
  const downloadClient =
    ownDownloads && opts.socketDownloads !== false
      ? createSocketClient({ maxConnections: opts.connections?.download ?? DEFAULT_POOL_CONNECTIONS.download })
      : undefined;
  // With a proxy configured, the download client takes only the origins it does not apply to.
  const route = opts.proxy && hasProxy(opts.proxy) ? proxyRouter(opts.proxy) : undefined;
  const direct = route && ((url: URL) => route(url) === undefined);
  const transport = createTransport({
    dispatcher: dispatchers.metadata,
    dispatchers,
    ...(downloadClient ? { downloadClient } : {}),
    ...(direct ? { direct } : {}),
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.retries !== undefined ? { retries: opts.retries } : {}),
    ...(opts.userAgent !== undefined ? { userAgent: opts.userAgent } : {}),
    ...(opts.logger !== undefined ? { logger: opts.logger } : {}),
    ...(opts.backoffMs !== undefined ? { backoffMs: opts.backoffMs } : {}),
  });
  const auth = createAuthClient({ transport, registry: base, tokenCache: opts.tokenCache ?? new TokenCache() });
  const ctx: RegistryContext = { base, auth, transport, credential: opts.credential, timeoutMs: opts.timeoutMs ?? 30_000 };

  async function ping(callOpts?: CallOptions): Promise<void> {
    const credential = callCredential(ctx, callOpts);
    let res: Awaited<ReturnType<typeof auth.send>>;
    try {
      res = await auth.send({ method: 'GET', url: v2Url(ctx, ''), scopes: [], credential, ...withSignal(callOpts) });
    } catch (err) {
      // A refusal (even from the token server) still proves the registry answers.
      if (isOciError(err, 'UNAUTHORIZED') || isOciError(err, 'DENIED')) return;
      throw err;
    }
    if (res.status >= 500) throw await failure(res, credential, 'ping');
    await discard(res);
  }

  return {
    describe: base.origin,
    ping,
    listTags: (repository, o) => listTags(ctx, repository, o),
    resolveManifest: (repository, reference, o) => resolveManifest(ctx, repository, reference, o),
    fetchManifest: (repository, reference, o) => fetchManifest(ctx, repository, reference, o),
    pushManifest: (repository, reference, bytes, mediaType, o) => pushManifest(ctx, repository, reference, bytes, mediaType, o),
    deleteManifest: (repository, digest, o) => deleteManifest(ctx, repository, digest, o),
    statBlob: (repository, digest, o) => headBlob(ctx, repository, digest, o),
    fetchBlob: (repository, digest, o) => fetchBlob(ctx, repository, digest, o),
    blobRedirect: (repository, digest, o) => blobRedirect(ctx, repository, digest, o),
    blobLocation: (repository, digest, o) => blobLocation(ctx, repository, digest, o),
    pushBlob: (repository, source, o) => pushBlob(ctx, repository, source, o),
    mountBlob: (repository, digest, from, o) => mountBlob(ctx, repository, digest, from, o),
    deleteBlob: (repository, digest, o) => deleteBlob(ctx, repository, digest, o),
    listRepositories: (under, o) => listRepositories(ctx, under, o),
  };
}
