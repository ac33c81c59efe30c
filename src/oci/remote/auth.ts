// The auth layer of the registry client (oras-go auth.Client, reshaped): sends a request with the
// Authorization cached for (credential identity, registry, scopes) if any; on 401 parses the
// WWW-Authenticate challenge and answers it once: Basic with username/password, or Bearer with the
// caller's access token, a token obtained with the OAuth2 refresh_token grant (POST), or a token from
// the realm's GET endpoint (Basic-authenticated when there is a password, anonymous otherwise).
// Requests carry the scopes they need up front, so a push asks for pull+push at once. Credentials are
// only ever attached to requests for the registry's own origin; the token realm must be https (or
// http when the registry itself is plain http).
// Reference: https://distribution.github.io/distribution/spec/auth/token/ ,
//            https://distribution.github.io/distribution/spec/auth/oauth/
import { OciError } from '../errors.js';
import type { Credential } from '../store.js';
import { pickChallenge, parseChallenges, type Challenge } from './challenge.js';
import { discard, readCapped, responseError } from './response.js';
import { cleanScopes, splitScopes } from './scope.js';
import { credentialIdentity, type IssuedToken, type TokenCache } from './token-cache.js';
import type { HttpRequest, HttpResponse, Transport } from './transport.js';

/** Token responses are read up to this size (oras-go's limit). */
export const MAX_TOKEN_BYTES = 128 * 1024;

export interface AuthRequest extends HttpRequest {
  /** Scopes this request needs, asked for before any challenge (e.g. pull+push for an upload). */
  scopes: readonly string[];
  credential: Credential | undefined;
  /**
   * Send exactly this Authorization (or none, for null) and do not answer challenges: used for the
   * streamed PATCH/PUT of an upload, which reuse the header that opened the session.
   */
  authorization?: string | null;
}

export interface AuthResponse extends HttpResponse {
  /** The Authorization header that produced this response, for reuse on follow-up requests. */
  authorization: string | null;
}

export interface AuthClient {
  send(req: AuthRequest): Promise<AuthResponse>;
}

export interface AuthClientOptions {
  transport: Transport;
  /** The registry's origin; credentials are never sent anywhere else. */
  registry: URL;
  tokenCache: TokenCache;
  /** `client_id` for the refresh-token grant. Default "tf-oci-registry". */
  clientId?: string;
}

/** Throws PROTOCOL unless a token realm is an https URL, or http when the registry itself is http. */
export function validateRealm(realm: string | undefined, registry: URL): URL {
  let url: URL;
  try {
    url = new URL(realm ?? '');
  } catch {
    throw new OciError('PROTOCOL', `registry sent an invalid token realm ${JSON.stringify(realm)}`);
  }
  const ok = url.protocol === 'https:' || (url.protocol === 'http:' && registry.protocol === 'http:');
  if (!ok || url.username !== '' || url.password !== '') {
    throw new OciError('PROTOCOL', `refusing token realm ${url.origin}${url.pathname} for registry ${registry.origin}`);
  }
  return url;
}

function basicHeader(c: Credential): string {
  return `Basic ${Buffer.from(`${c.username ?? ''}:${c.password ?? ''}`, 'utf8').toString('base64')}`;
}

function hasPassword(c: Credential | undefined): c is Credential & { username: string; password: string } {
  return c?.username !== undefined && c.username !== '' && c.password !== undefined;
}

function isReplayable(req: HttpRequest): boolean {
  return req.body === undefined || Buffer.isBuffer(req.body);
}

/** Waits for `p`, but rejects with the signal's reason as soon as it aborts (`p` itself goes on). */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** Parses a token response body: `access_token` preferred over `token` (both are allowed by the spec). */
export function parseTokenResponse(bytes: Buffer): IssuedToken {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new OciError('PROTOCOL', 'token server answered with invalid JSON');
  }
  const body = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const token = typeof body['access_token'] === 'string' && body['access_token'] !== '' ? body['access_token'] : body['token'];
  if (typeof token !== 'string' || token === '') throw new OciError('PROTOCOL', 'token server answered without a token');
  const expiresIn = typeof body['expires_in'] === 'number' ? body['expires_in'] : undefined;
  return expiresIn === undefined ? { token } : { token, expiresIn };
}

/** Creates the auth layer over a transport. */
export function createAuthClient(opts: AuthClientOptions): AuthClient {
  const { transport, registry, tokenCache } = opts;
  const clientId = opts.clientId ?? 'tf-oci-registry';
  const host = registry.host;

  async function fetchToken(challenge: Challenge, scopes: string[], cred: Credential | undefined): Promise<IssuedToken> {
    const realm = validateRealm(challenge.params['realm'], registry);
    const service = challenge.params['service'];
    let res: HttpResponse;
    if (cred?.refreshToken) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: cred.refreshToken, client_id: clientId });
      if (service !== undefined) form.set('service', service);
      if (scopes.length > 0) form.set('scope', scopes.join(' '));
      res = await transport.send({
        method: 'POST',
        url: realm,
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: Buffer.from(form.toString()),
      });
    } else {
      const url = new URL(realm);
      if (service !== undefined) url.searchParams.set('service', service);
      for (const s of scopes) url.searchParams.append('scope', s);
      const headers: Record<string, string> = { accept: 'application/json' };
      if (hasPassword(cred)) headers['authorization'] = basicHeader(cred);
      res = await transport.send({ method: 'GET', url, headers });
    }
    if (res.status !== 200) {
      throw await responseError(res, { what: 'token request', anonymous: !hasPassword(cred) && !cred?.refreshToken });
    }
    return parseTokenResponse(await readCapped(res, MAX_TOKEN_BYTES, 'token response'));
  }

  /** The Authorization to send before any challenge, from what this identity was asked for last time. */
  function preemptive(identity: string, scopes: string[], cred: Credential | undefined): string | null {
    const scheme = tokenCache.scheme(identity, host);
    if (scheme === 'basic') return hasPassword(cred) ? basicHeader(cred) : null;
    if (scheme === 'bearer') {
      if (cred?.accessToken) return `Bearer ${cred.accessToken}`;
      const token = tokenCache.peek({ identity, host, scopes });
      return token === undefined ? null : `Bearer ${token}`;
    }
    return null;
  }

  function withAuth(req: AuthRequest, authorization: string | null): HttpRequest {
    const headers = { ...req.headers };
    if (authorization !== null) headers['authorization'] = authorization;
    const { scopes: _s, credential: _c, authorization: _a, ...rest } = req;
    return { ...rest, headers };
  }

  async function send(req: AuthRequest): Promise<AuthResponse> {
    if (req.url.origin !== registry.origin) {
      throw new OciError('PROTOCOL', `refusing to send credentials to ${req.url.origin} (registry is ${registry.origin})`);
    }
    const cred = req.credential;
    const identity = credentialIdentity(cred);
    const hinted = cleanScopes(req.scopes);
    if (req.authorization !== undefined) {
      return { ...(await transport.send(withAuth(req, req.authorization))), authorization: req.authorization };
    }
    const sent = preemptive(identity, hinted, cred);
    const first = await transport.send(withAuth(req, sent));
    if (first.status !== 401 || !isReplayable(req)) return { ...first, authorization: sent };

    const challenge = pickChallenge(parseChallenges(first.headers['www-authenticate']));
    if (challenge === undefined) return { ...first, authorization: sent };
    let next: string;
    if (challenge.scheme === 'basic') {
      if (!hasPassword(cred)) return { ...first, authorization: sent };
      next = basicHeader(cred);
      if (next === sent) return { ...first, authorization: sent }; // the password itself was refused
      tokenCache.setScheme(identity, host, 'basic');
    } else {
      const scopes = cleanScopes([...hinted, ...splitScopes(challenge.params['scope'])]);
      if (cred?.accessToken) {
        next = `Bearer ${cred.accessToken}`;
        if (next === sent) return { ...first, authorization: sent };
      } else {
        const key = { identity, host, scopes };
        // The token we sent was refused: drop it (unless someone already replaced it) and ask again once.
        if (sent?.startsWith('Bearer ')) tokenCache.invalidate(key, sent.slice('Bearer '.length));
        await discard(first); // free the connection while the token server is asked
        // No caller signal here: concurrent callers share this fetch (single-flight), and one caller
        // going away must not fail the others. The transport timeout bounds it.
        next = `Bearer ${await untilAborted(
          tokenCache.get(key, () => fetchToken(challenge, scopes, cred)),
          req.signal,
        )}`;
      }
      tokenCache.setScheme(identity, host, 'bearer');
    }
    if (!first.body.destroyed && !first.body.readableEnded) await discard(first);
    const second = await transport.send(withAuth(req, next));
    return { ...second, authorization: next };
  }

  return { send };
}

/** True when a credential carries nothing (anonymous access). */
export function isAnonymous(c: Credential | undefined): boolean {
  return !c || (!c.username && !c.accessToken && !c.refreshToken);
}
