// The lowest layer of the registry client: one HTTP exchange through undici `request()` (which streams
// request bodies without buffering, unlike fetch) on an injected keep-alive Dispatcher. Adds timeouts
// combined with the caller's AbortSignal, and retries with exponential backoff + jitter, honouring
// Retry-After, but ONLY for idempotent requests whose body can be replayed (no body or a Buffer): a
// streamed body is sent exactly once (oras-go retry.Transport does the same with GetBody).
// Redirects are never followed here; the layers above decide (see redirects.ts). The download pool's
// blob GETs go through the download client instead (socket-client.ts: reused read buffers) when the
// store has one; the answers it cannot handle come back through undici.
// Every request names its connection pool (`pool`): metadata (manifests, tags, tokens, HEADs, small
// reads), download (blob streams handed to clients of this server) and upload (streamed blob bodies), so
// that slow download clients can never take the connections metadata, the API and /readyz need. Time
// spent waiting for a free connection counts inside the timeout: under load on a hung registry, or with
// every connection of a pool busy, every request still ends within `timeoutMs` (no waves of one
// pool-full per timeout, no wait for as long as the pool stays full).
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { undici } from '../undici.js';
import { OciError } from '../errors.js';
import { errorCode, TIMEOUT_CODES } from '../network-errors.js';
import { type SocketClient, SocketClientUnsupported } from './socket-client.js';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The connection pool a request uses (see the file comment). */
export type PoolName = 'metadata' | 'download' | 'upload';

export const POOL_NAMES: readonly PoolName[] = ['metadata', 'download', 'upload'];

/** Response headers as undici gives them (lower-case names). */
export type HttpHeaders = Record<string, string | string[] | undefined>;

export interface HttpRequest {
  method: HttpMethod;
  url: URL;
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  signal?: AbortSignal;
  /**
   * 'total' (default): the exchange, including reading the response body, must finish within the
   * timeout. 'idle': the response headers must arrive within the timeout (waiting for a connection
   * included) when the request has no streamed body; after that only silences longer than the timeout
   * fail (blob bodies of any size; the blob layer also bounds a reader that stops reading).
   */
  timeout?: 'total' | 'idle';
  /** The connection pool to use. Default 'metadata'. */
  pool?: PoolName;
}

export interface HttpResponse {
  method: HttpMethod;
  url: URL;
  status: number;
  headers: HttpHeaders;
  /** The response body; the receiver must consume or destroy it. */
  body: Readable;
}

/** Sends one request (with retries where safe). Never throws for an HTTP status. */
export interface Transport {
  send(req: HttpRequest): Promise<HttpResponse>;
}

/** Structured debug logger (pino-compatible subset). */
export interface DebugLogger {
  debug(obj: object, msg: string): void;
}

export interface TransportOptions {
  /** The dispatcher of every pool not named in `dispatchers`. */
  dispatcher: Dispatcher;
  /** A dispatcher per pool (each a keep-alive undici Agent with its own connection limit). */
  dispatchers?: Partial<Record<PoolName, Dispatcher>>;
  /** Per-attempt timeout in ms. Default 30 000. */
  timeoutMs?: number;
  /** Extra attempts after the first, for replayable requests. Default 2 (3 attempts in all). */
  retries?: number;
  userAgent?: string;
  logger?: DebugLogger;
  /** First backoff delay in ms (doubled each attempt, ±20 % jitter, at most 5 s). Default 200. */
  backoffMs?: number;
  /** Longest Retry-After honoured, in ms. Default 10 000. */
  maxRetryAfterMs?: number;
  /**
   * The client of the download pool's blob GETs (socket-client.ts: reads into reused buffers). Answers
   * it cannot handle, and every other request, go through undici.
   */
  downloadClient?: SocketClient;
  /**
   * Whether a URL is reached without an outbound proxy (src/oci/proxy.ts): the download client connects
   * directly, so it takes only those; the others go through undici's proxy-aware dispatcher. Default: all.
   */
  direct?: (url: URL) => boolean;
}

/** The first value of a response header. */
export function header(headers: HttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** A URL without its query (which may carry upload state or presigned signatures) for logs and errors. */
export function redactUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

const RETRYABLE_METHODS = new Set<HttpMethod>(['GET', 'HEAD', 'PUT', 'DELETE']);
const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

function errorName(err: unknown): string | undefined {
  return err instanceof Error ? err.name : undefined;
}

/**
 * Maps an error thrown by undici (while sending, or later while the body streams) to an OciError:
 * TIMEOUT for timeouts, UNAVAILABLE for every other network failure. OciErrors and the caller's own
 * abort reason pass through unchanged.
 */
export function transportError(err: unknown, method: string, url: URL, callerSignal?: AbortSignal): unknown {
  if (err instanceof OciError) return err;
  if (callerSignal?.aborted && (err === callerSignal.reason || errorName(err) === 'AbortError')) return err;
  const code = errorCode(err);
  const where = `${method} ${redactUrl(url)}`;
  const message = err instanceof Error ? err.message : String(err);
  if (errorName(err) === 'TimeoutError' || (code !== undefined && TIMEOUT_CODES.has(code))) {
    return new OciError('TIMEOUT', `${where}: no answer in time (${message})`, { method, url: redactUrl(url), cause: err });
  }
  return new OciError('UNAVAILABLE', `${where}: ${message}${code ? ` (${code})` : ''}`, {
    method,
    url: redactUrl(url),
    cause: err,
  });
}

function isStreamed(req: HttpRequest): boolean {
  return req.body !== undefined && !Buffer.isBuffer(req.body);
}

/**
 * An abort signal that fires with a TimeoutError after `ms` unless cleared first: the deadline for the
 * response headers of an idle-timeout request, counted from before the wait for a pooled connection
 * (undici's headersTimeout only starts once the request is on a socket).
 */
function deadline(ms: number): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException(`no response within ${ms} ms (waiting for a connection included)`, 'TimeoutError')),
    ms,
  );
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

/**
 * Waits for an undici request, but rejects with the signal's reason as soon as it aborts. undici only
 * acts on the abort of a request still queued for a connection once a connection frees up (its handler
 * is told at dispatch), so without this a request would wait for as long as the pool stays full. A
 * response that arrives after all is destroyed (its connection is released).
 */
function untilAborted(p: Promise<Dispatcher.ResponseData>, signal: AbortSignal | undefined): Promise<Dispatcher.ResponseData> {
  if (!signal) return p;
  return new Promise((resolve, reject) => {
    let settled = false;
    const onAbort = (): void => {
      if (settled) return;
      settled = true;
      reject(signal.reason);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (res) => {
        signal.removeEventListener('abort', onAbort);
        if (settled) {
          res.body.on('error', () => undefined);
          res.body.destroy();
          return;
        }
        settled = true;
        resolve(res);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        if (settled) return;
        settled = true;
        reject(err);
      },
    );
  });
}

function isReplayable(req: HttpRequest): boolean {
  return RETRYABLE_METHODS.has(req.method) && (req.body === undefined || Buffer.isBuffer(req.body));
}

function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || status === 502 || status === 503 || status === 504 || status === 500;
}

/** Retry-After as delay in ms: delta-seconds or an HTTP-date (RFC 9110 section 10.2.3). */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A blob GET of the download pool: what the download client takes (idle timeout: a body of any length). */
function isDownloadGet(req: HttpRequest): boolean {
  return req.pool === 'download' && req.method === 'GET' && req.body === undefined && req.timeout === 'idle';
}

/** Creates the transport. The dispatcher (a keep-alive undici Agent) is owned by the caller. */
export function createTransport(opts: TransportOptions): Transport {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const retries = opts.retries ?? 2;
  const backoffMs = opts.backoffMs ?? 200;
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? 10_000;
  const userAgent = opts.userAgent ?? 'tf-oci-registry';

  /** A download GET through the socket client; through undici when the answer is not one it handles. */
  async function viaSocket(
    client: SocketClient,
    req: HttpRequest,
    signal: AbortSignal | undefined,
    viaUndici: () => Promise<Pick<Dispatcher.ResponseData, 'statusCode' | 'headers' | 'body'>>,
  ): Promise<Pick<Dispatcher.ResponseData, 'statusCode' | 'headers' | 'body'>> {
    try {
      const res = await client.get(req.url, {
        headers: { 'user-agent': userAgent, ...req.headers },
        ...(signal ? { signal } : {}),
        ...(req.signal ? { bodySignal: req.signal } : {}),
        idleMs: timeoutMs,
      });
      return res as unknown as Pick<Dispatcher.ResponseData, 'statusCode' | 'headers' | 'body'>;
    } catch (err) {
      if (err instanceof SocketClientUnsupported) return viaUndici();
      throw err;
    }
  }

  function backoff(attempt: number): number {
    const base = Math.min(5_000, backoffMs * 2 ** (attempt - 1));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  async function send(req: HttpRequest): Promise<HttpResponse> {
    const attempts = isReplayable(req) ? retries + 1 : 1;
    for (let attempt = 1; ; attempt++) {
      const headDeadline = req.timeout === 'idle' && !isStreamed(req) ? deadline(timeoutMs) : undefined;
      const timer = req.timeout === 'idle' ? headDeadline?.signal : AbortSignal.timeout(timeoutMs);
      const signals = [req.signal, timer].filter((s): s is AbortSignal => s !== undefined);
      const signal = signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals);
      const started = Date.now();
      const viaUndici = (): Promise<Pick<Dispatcher.ResponseData, 'statusCode' | 'headers' | 'body'>> =>
        untilAborted(
          undici().request(req.url, {
            dispatcher: opts.dispatchers?.[req.pool ?? 'metadata'] ?? opts.dispatcher,
            method: req.method,
            headers: { 'user-agent': userAgent, ...req.headers },
            body: req.body ?? null,
            signal: signal ?? null,
            headersTimeout: timeoutMs,
            bodyTimeout: timeoutMs,
          }),
          signal,
        );
      try {
        const res =
          isDownloadGet(req) && opts.downloadClient && (opts.direct?.(req.url) ?? true)
            ? await viaSocket(opts.downloadClient, req, signal, viaUndici)
            : await viaUndici();
        opts.logger?.debug(
          { method: req.method, url: redactUrl(req.url), status: res.statusCode, ms: Date.now() - started, attempt },
          'oci request',
        );
        if (attempt < attempts && isRetryableStatus(res.statusCode)) {
          const hinted = parseRetryAfter(header(res.headers, 'retry-after'));
          await res.body.dump({ limit: 8192 }).catch(() => undefined);
          await sleep(hinted === undefined ? backoff(attempt) : Math.min(hinted, maxRetryAfterMs), undefined, { signal: req.signal });
          continue;
        }
        return { method: req.method, url: req.url, status: res.statusCode, headers: res.headers, body: res.body };
      } catch (err) {
        const mapped = transportError(err, req.method, req.url, req.signal);
        opts.logger?.debug(
          { method: req.method, url: redactUrl(req.url), err: String(err), ms: Date.now() - started, attempt },
          'oci request failed',
        );
        const code = errorCode(err);
        const retryable =
          mapped instanceof OciError && mapped.code === 'UNAVAILABLE' && code !== undefined && RETRYABLE_NETWORK_CODES.has(code);
        if (attempt < attempts && retryable) {
          await sleep(backoff(attempt), undefined, { signal: req.signal });
          continue;
        }
        throw mapped;
      } finally {
        // The headers are in (or the attempt failed): from here only body silences count.
        headDeadline?.clear();
      }
    }
  }

  return { send };
}
