// Redirect handling for registry GET/HEAD requests. undici never follows redirects by itself here, so
// this is the single place that decides: a same-origin hop is re-sent through the auth layer (with
// credentials); a cross-origin hop (object storage such as S3 answering a blob GET with 307) is either
// followed WITHOUT any Authorization, or handed back to the caller untouched. An https -> http
// downgrade is refused.
import { OciError } from '../errors.js';
import type { AuthClient, AuthRequest, AuthResponse } from './auth.js';
import { discard } from './response.js';
import { header, redactUrl, type Transport } from './transport.js';

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_HOPS = 5;

/** True for a redirect status that carries a Location. */
export function isRedirect(res: { status: number; headers: Record<string, string | string[] | undefined> }): boolean {
  return REDIRECT_STATUSES.has(res.status) && header(res.headers, 'location') !== undefined;
}

export interface FollowOptions {
  /** 'follow': follow cross-origin hops without credentials; 'return': hand the redirect back. */
  crossOrigin: 'follow' | 'return';
}

/** Sends a body-less GET/HEAD through the auth layer, following redirects as described above. */
export async function sendFollowingRedirects(
  auth: AuthClient,
  transport: Transport,
  req: AuthRequest,
  opts: FollowOptions,
): Promise<AuthResponse> {
  const registryOrigin = req.url.origin;
  let res = await auth.send(req);
  let crossed = false;
  for (let hop = 0; isRedirect(res); hop++) {
    const target = new URL(header(res.headers, 'location') ?? '', res.url);
    if (hop >= MAX_HOPS) {
      await discard(res);
      throw new OciError('PROTOCOL', `too many redirects from ${redactUrl(req.url)}`, { method: req.method, url: redactUrl(req.url) });
    }
    if (res.url.protocol === 'https:' && target.protocol !== 'https:') {
      await discard(res);
      throw new OciError('PROTOCOL', `refusing redirect from https to ${target.protocol} (${redactUrl(target)})`, {
        method: req.method,
        url: redactUrl(req.url),
      });
    }
    const sameOrigin = target.origin === registryOrigin && !crossed;
    if (!sameOrigin && opts.crossOrigin === 'return') return res;
    await discard(res);
    if (sameOrigin) {
      res = await auth.send({ ...req, url: target });
    } else {
      // Never forward credentials to another origin, and keep them off every later hop too.
      crossed = true;
      const { authorization: _drop, ...headers } = req.headers ?? {};
      const next = await transport.send({
        method: req.method,
        url: target,
        headers,
        ...(req.signal ? { signal: req.signal } : {}),
        ...(req.timeout ? { timeout: req.timeout } : {}),
        // The hop carries the same bytes: a download's goes through the download pool (its client, its limit).
        ...(req.pool ? { pool: req.pool } : {}),
      });
      res = { ...next, authorization: null };
    }
  }
  return res;
}
