// The HTTP client of the publishing API (/api/v1, JSON:API): JSON requests with the caller's bearer token,
// streamed uploads (a Node stream as the request body, never buffered), and every error answer turned
// into an ApiError carrying the server's named errors. One undici Agent per client, closed by close().
import type { Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import { createDispatcher, NO_PROXY_SETTINGS, type ProxySettings } from '../oci/proxy.js';
import { ApiError, PublishError, parseErrorDocument } from './api-error.js';

export const JSON_API = 'application/vnd.api+json';

/** A JSON:API document as received (read members freely; the command checks what it uses). */
// biome-ignore lint/suspicious/noExplicitAny: response documents are read member by member
export type ApiDocument = any;

export interface ApiClientOptions {
  /** The server's URL (its public URL), e.g. https://registry.example.com/. */
  url: string;
  /** API token sent as `Authorization: Bearer …` (service mode) or passed upstream (delegate mode). */
  token?: string;
  /** Seconds to wait for the server's answer after an upload (it verifies the release first). */
  answerTimeoutSeconds?: number;
  /** Outbound proxies (HTTPS_PROXY, NO_PROXY: src/oci/proxy.ts), as curl and terraform on the same runner use. */
  proxy?: ProxySettings;
}

export interface ApiClient {
  /** The API base, ending with "/api/v1/". */
  readonly base: string;
  readonly hasToken: boolean;
  /** GET; null for 404. */
  find(path: string): Promise<ApiDocument | null>;
  get(path: string): Promise<ApiDocument>;
  post(path: string, doc?: unknown): Promise<ApiDocument>;
  /** PUT a stream to an API path or an absolute URL (an upload URL carries its own authority: no token). */
  putStream(pathOrUrl: string, body: Readable, contentLength?: number): Promise<ApiDocument>;
  close(): Promise<void>;
}

/** The API base of a server URL: `<url>/api/v1/` (a URL already ending in /api/v1 is kept). */
export function apiBase(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new PublishError(`the server URL ${JSON.stringify(url)} is not a URL (e.g. https://registry.example.com)`, true);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw new PublishError(`the server URL must be http:// or https://, not ${u.protocol}`, true);
  const path = u.pathname.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
  return `${u.origin}${path}/api/v1/`;
}

export function createApiClient(o: ApiClientOptions): ApiClient {
  const base = apiBase(o.url);
  const timeout = (o.answerTimeoutSeconds ?? 1800) * 1000;
  const agent = createDispatcher(o.proxy ?? NO_PROXY_SETTINGS, { headersTimeout: timeout, bodyTimeout: timeout, connectTimeout: 30_000 });
  const auth: Record<string, string> = o.token ? { authorization: `Bearer ${o.token}` } : {};
  const resolve = (path: string): URL => new URL(path, base);

  async function send(
    method: Dispatcher.HttpMethod,
    path: string,
    init: { body?: string | Readable; headers?: Record<string, string>; withToken?: boolean } = {},
  ): Promise<{ status: number; text: string }> {
    const url = resolve(path);
    const label = `${method} ${url.pathname.startsWith('/api/v1/uploads/') ? '/api/v1/uploads/<upload URL>' : url.pathname}`;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method,
        dispatcher: agent,
        headers: { accept: JSON_API, 'user-agent': 'tf-oci-registry publish', ...(init.withToken === false ? {} : auth), ...init.headers },
        ...(init.body !== undefined ? { body: init.body } : {}),
      });
    } catch (err) {
      const cause = (err as { cause?: Error }).cause;
      throw new PublishError(`${label}: cannot reach ${url.origin}: ${(err as Error).message}${cause ? ` (${cause.message})` : ''}`);
    }
    const text = await res.body.text();
    if (res.statusCode >= 400) throw new ApiError(label, res.statusCode, parseErrorDocument(res.statusCode, text));
    return { status: res.statusCode, text };
  }

  const parse = (text: string): ApiDocument => (text === '' ? null : JSON.parse(text));

  return {
    base,
    hasToken: o.token !== undefined && o.token !== '',
    async find(path) {
      try {
        return parse((await send('GET', path)).text);
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) return null;
        throw err;
      }
    },
    async get(path) {
      return parse((await send('GET', path)).text);
    },
    async post(path, doc) {
      const init = doc === undefined ? {} : { body: JSON.stringify(doc), headers: { 'content-type': JSON_API } };
      return parse((await send('POST', path, init)).text);
    },
    async putStream(pathOrUrl, body, contentLength) {
      const absolute = /^https?:\/\//.test(pathOrUrl);
      const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
      if (contentLength !== undefined) headers['content-length'] = String(contentLength);
      return parse((await send('PUT', pathOrUrl, { body, headers, withToken: !absolute })).text);
    },
    close: () => agent.close(),
  };
}
