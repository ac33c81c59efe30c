// The HTTP layer of the upstream sources: GETs through undici `request()` on an injected Dispatcher, with
// a timeout on every call combined with the caller's AbortSignal, bounded JSON/document reads, redirects
// followed by hand (so relative URLs resolve against the FINAL document URL, as Go's resp.Request.URL does
// in Terraform's getproviders), a small retry for idempotent GETs, and errors mapped to UpstreamError.
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { undici } from '../oci/undici.js';
import { UpstreamError } from './errors.js';
import { errorCode, TIMEOUT_CODES } from '../oci/network-errors.js';

export interface HttpClientOptions {
  /** Keep-alive undici Agent (or a test/mock dispatcher, or one configured with a private CA). Owned by the caller. */
  dispatcher: Dispatcher;
  /** Each metadata request must finish within this; package bodies may not stall longer. Default 10 000 (Terraform's TF_REGISTRY_CLIENT_TIMEOUT default). */
  timeoutMs?: number;
  userAgent?: string;
  /** Cap on a JSON document or SHA256SUMS/signature read. Default 4 MiB. */
  maxDocumentBytes?: number;
  /** Default 10, as Go's http.Client. */
  maxRedirects?: number;
  /** Extra attempts after a network error or a 429/502/503/504. Default 1 (Terraform's TF_REGISTRY_DISCOVERY_RETRY default). */
  retries?: number;
  /** Delay before a retry, ms. Default 250. */
  retryDelayMs?: number;
}

export interface GetOptions {
  signal?: AbortSignal;
  /** Names the document in messages, e.g. "versions of registry.example.com/acme/widget". */
  what: string;
  /** Sent to the first URL's origin only (dropped when a redirect leaves it), e.g. a bearer token. */
  headers?: Record<string, string>;
  /** Refuse an answer whose media type is not application/json (Terraform's discovery and network mirror clients do). */
  requireJsonType?: boolean;
}

export interface Fetched<T> {
  /** The URL that answered, after redirects: relative URLs in the document resolve against it. */
  url: URL;
  value: T;
}

export interface OpenedStream {
  url: URL;
  body: Readable;
  size?: number;
}

export interface HttpClient {
  getJson(url: URL, options: GetOptions): Promise<Fetched<unknown>>;
  getBytes(url: URL, options: GetOptions): Promise<Fetched<Buffer>>;
  /** A streamed body: only the wait for headers and silences in the body are bounded by the timeout. */
  openStream(url: URL, options: GetOptions): Promise<OpenedStream>;
  readonly timeoutMs: number;
}

/** A URL without query or fragment (presigned download URLs carry secrets in the query). */
export function redactUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const RETRY_STATUS = new Set([429, 502, 503, 504]);

/**
 * Maps an undici/network error to UpstreamError TIMEOUT or UNREACHABLE; UpstreamErrors and the caller's
 * abort reason pass through. `timer` is the signal of our own deadline, if any.
 */
export function networkError(err: unknown, url: URL, what: string, callerSignal?: AbortSignal, timer?: AbortSignal): unknown {
  if (err instanceof UpstreamError) return err;
  if (callerSignal?.aborted) return callerSignal.reason;
  const location = redactUrl(url);
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  if (timer?.aborted || (err instanceof Error && err.name === 'TimeoutError') || (code !== undefined && TIMEOUT_CODES.has(code))) {
    return new UpstreamError('TIMEOUT', `${what}: ${location} did not answer in time`, { location, cause: err });
  }
  return new UpstreamError('UNREACHABLE', `${what}: ${location} is unreachable: ${message}${code ? ` (${code})` : ''}`, {
    location,
    cause: err,
  });
}

function statusError(status: number, url: URL, what: string): UpstreamError {
  const location = redactUrl(url);
  const init = { location, status };
  if (status === 404 || status === 410) return new UpstreamError('NOT_FOUND', `${what}: not found (${status} from ${location})`, init);
  if (status === 401 || status === 403) {
    return new UpstreamError('UNAUTHORIZED', `${what}: ${location} refused access (${status}); credentials missing or insufficient`, init);
  }
  if (status >= 500 || RETRY_STATUS.has(status) || status === 408) {
    return new UpstreamError('UNREACHABLE', `${what}: ${location} answered ${status}`, init);
  }
  return new UpstreamError('BAD_RESPONSE', `${what}: unexpected status ${status} from ${location}`, init);
}

function firstHeader(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Drops a body we will not read. undici emits an abort error on a destroyed body: it is expected here. */
function discard(body: Readable): void {
  body.on('error', () => undefined);
  body.destroy();
}

function anySignal(signals: Array<AbortSignal | undefined>): AbortSignal | undefined {
  const list = signals.filter((s): s is AbortSignal => s !== undefined);
  return list.length === 0 ? undefined : list.length === 1 ? list[0] : AbortSignal.any(list);
}

export function createHttpClient(opts: HttpClientOptions): HttpClient {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const userAgent = opts.userAgent ?? 'tf-oci-registry';
  const maxBytes = opts.maxDocumentBytes ?? 4 * 1024 * 1024;
  const maxRedirects = opts.maxRedirects ?? 10;
  const retries = opts.retries ?? 1;
  const retryDelayMs = opts.retryDelayMs ?? 250;

  /** One GET with redirects; returns a 200 answer (body unread) or throws. */
  async function exchange(start: URL, o: GetOptions, signal: AbortSignal | undefined): Promise<{ url: URL; res: Dispatcher.ResponseData }> {
    let url = start;
    for (let hop = 0; ; hop++) {
      const sameOrigin = url.origin === start.origin;
      const res = await undici().request(url, {
        dispatcher: opts.dispatcher,
        method: 'GET',
        headers: { 'user-agent': userAgent, accept: 'application/json, */*', ...(sameOrigin ? o.headers : {}) },
        signal: signal ?? null,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const location = firstHeader(res.headers, 'location');
      if (REDIRECTS.has(res.statusCode) && location !== undefined) {
        await res.body.dump({ limit: 65536 }).catch(() => undefined);
        if (hop >= maxRedirects) {
          throw new UpstreamError('BAD_RESPONSE', `${o.what}: more than ${maxRedirects} redirects from ${redactUrl(start)}`, {
            location: redactUrl(start),
          });
        }
        let next: URL;
        try {
          next = new URL(location, url);
        } catch (err) {
          throw new UpstreamError('BAD_RESPONSE', `${o.what}: ${redactUrl(url)} redirects to an invalid URL`, {
            location: redactUrl(url),
            cause: err,
          });
        }
        if (next.protocol !== 'https:' && next.protocol !== 'http:') {
          throw new UpstreamError('BAD_RESPONSE', `${o.what}: ${redactUrl(url)} redirects to a ${next.protocol} URL`, {
            location: redactUrl(url),
          });
        }
        url = next;
        continue;
      }
      if (res.statusCode !== 200) {
        await res.body.dump({ limit: 65536 }).catch(() => undefined);
        throw statusError(res.statusCode, url, o.what);
      }
      if (o.requireJsonType) {
        const type = (firstHeader(res.headers, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase();
        if (type !== 'application/json') {
          discard(res.body);
          throw new UpstreamError(
            'BAD_RESPONSE',
            `${o.what}: ${redactUrl(url)} answered Content-Type ${JSON.stringify(type)}, not application/json`,
            {
              location: redactUrl(url),
            },
          );
        }
      }
      return { url, res };
    }
  }

  function retryable(err: unknown): boolean {
    if (!(err instanceof UpstreamError)) return false;
    if (err.status !== undefined) return RETRY_STATUS.has(err.status);
    return err.code === 'UNREACHABLE';
  }

  /**
   * Runs attempts, retrying where safe. With `deadline`, each attempt (exchange + body read) runs under a
   * fresh total timeout; without, only undici's headers/body idle timeouts bound it (streamed bodies).
   */
  async function withRetries<T>(
    url: URL,
    o: GetOptions,
    deadline: boolean,
    attempt: (signal: AbortSignal | undefined) => Promise<T>,
  ): Promise<T> {
    for (let n = 0; ; n++) {
      const timer = deadline ? AbortSignal.timeout(timeoutMs) : undefined;
      try {
        return await attempt(anySignal([o.signal, timer]));
      } catch (err) {
        const mapped = networkError(err, url, o.what, o.signal, timer);
        if (n < retries && retryable(mapped)) {
          await sleep(retryDelayMs, undefined, o.signal ? { signal: o.signal } : undefined);
          continue;
        }
        throw mapped;
      }
    }
  }

  async function readBounded(body: Readable, url: URL, what: string, declared: string | undefined): Promise<Buffer> {
    const tooLarge = () =>
      new UpstreamError('BAD_RESPONSE', `${what}: ${redactUrl(url)} sent more than ${maxBytes} bytes`, { location: redactUrl(url) });
    if (declared !== undefined && Number(declared) > maxBytes) {
      discard(body);
      throw tooLarge();
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) {
        discard(body);
        throw tooLarge();
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  }

  async function getBytes(start: URL, o: GetOptions): Promise<Fetched<Buffer>> {
    return withRetries(start, o, true, async (signal) => {
      const { url, res } = await exchange(start, o, signal);
      return { url, value: await readBounded(res.body, url, o.what, firstHeader(res.headers, 'content-length')) };
    });
  }

  async function getJson(start: URL, o: GetOptions): Promise<Fetched<unknown>> {
    const { url, value } = await getBytes(start, o);
    try {
      return { url, value: JSON.parse(value.toString('utf8')) as unknown };
    } catch (err) {
      throw new UpstreamError('BAD_RESPONSE', `${o.what}: ${redactUrl(url)} did not answer valid JSON (${(err as Error).message})`, {
        location: redactUrl(url),
        cause: err,
      });
    }
  }

  async function openStream(start: URL, o: GetOptions): Promise<OpenedStream> {
    // Retried like the others; the head is bounded by headersTimeout and the body by bodyTimeout (idle), never as a whole.
    const { url, res } = await withRetries(start, o, false, (signal) => exchange(start, o, signal));
    const length = firstHeader(res.headers, 'content-length');
    const size = length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
    return size === undefined ? { url, body: res.body } : { url, body: res.body, size };
  }

  return { getJson, getBytes, openStream, timeoutMs };
}
