// Cache of registry bearer tokens and of the auth scheme each registry asked for. Keyed by the caller's
// credential identity (a sha256 over the credential fields, never the secret itself), the registry host
// and the cleaned scope list, so that one caller's token is never handed to another. Honours
// `expires_in` (default 60 s, per the token spec) minus a safety margin, and lets concurrent misses
// share ONE token request (single-flight). Bounded: the least recently set entries are dropped first.
// Reference: https://distribution.github.io/distribution/spec/auth/token/#token-response-fields
import { createHash } from 'node:crypto';
import type { Credential } from '../store.js';

/** What identifies one cached token. `scopes` must already be cleaned (see cleanScopes). */
export interface TokenKey {
  identity: string;
  host: string;
  scopes: readonly string[];
}

/** A token as issued by a token server. */
export interface IssuedToken {
  token: string;
  /** Lifetime in seconds (`expires_in`); the spec default of 60 s applies when absent. */
  expiresIn?: number;
}

export type AuthScheme = 'basic' | 'bearer';

export interface TokenCacheOptions {
  /** Clock in milliseconds (tests inject a fake one). */
  now?: () => number;
  /** Upper bound on cached tokens and schemes (each). Default 1000. */
  maxEntries?: number;
  /** A token is dropped this long before it expires (at most a quarter of its lifetime). Default 10 s. */
  safetyMarginMs?: number;
}

/**
 * A stable, non-secret fingerprint of a credential: sha256 over all its fields. Anonymous callers
 * (no credential or an empty one) share the same identity, which is safe: they hold no secret.
 */
export function credentialIdentity(credential: Credential | undefined): string {
  const c = credential ?? {};
  const material = JSON.stringify([c.username ?? null, c.password ?? null, c.accessToken ?? null, c.refreshToken ?? null]);
  return createHash('sha256').update('tf-oci-registry credential v1\0').update(material).digest('hex');
}

const DEFAULT_TTL_SECONDS = 60;

function keyString(key: TokenKey): string {
  return `${key.identity}\n${key.host}\n${key.scopes.join(' ')}`;
}

/** Token cache with single-flight fetches. Create one per process (in main) and inject it. */
export class TokenCache {
  readonly #now: () => number;
  readonly #max: number;
  readonly #margin: number;
  readonly #tokens = new Map<string, { token: string; expiresAt: number }>();
  readonly #pending = new Map<string, Promise<string>>();
  readonly #schemes = new Map<string, AuthScheme>();

  constructor(opts: TokenCacheOptions = {}) {
    this.#now = opts.now ?? Date.now;
    this.#max = opts.maxEntries ?? 1000;
    this.#margin = opts.safetyMarginMs ?? 10_000;
  }

  /** Number of cached (possibly expired) tokens. */
  get size(): number {
    return this.#tokens.size;
  }

  /** The cached, unexpired token for a key, if any. */
  peek(key: TokenKey): string | undefined {
    const k = keyString(key);
    const hit = this.#tokens.get(k);
    if (hit === undefined) return undefined;
    if (this.#now() >= hit.expiresAt) {
      this.#tokens.delete(k);
      return undefined;
    }
    return hit.token;
  }

  /**
   * The cached token for `key`, or the result of `fetch()`. Concurrent callers with the same key wait
   * for the same fetch. A failed fetch is not cached.
   */
  async get(key: TokenKey, fetch: () => Promise<IssuedToken>): Promise<string> {
    const cached = this.peek(key);
    if (cached !== undefined) return cached;
    const k = keyString(key);
    const inflight = this.#pending.get(k);
    if (inflight) return inflight;
    const p = (async () => {
      try {
        const issued = await fetch();
        this.#store(k, issued);
        return issued.token;
      } finally {
        this.#pending.delete(k);
      }
    })();
    this.#pending.set(k, p);
    return p;
  }

  /** Drops the token for `key` (only if it is still `token`, when given: another caller may have refreshed it). */
  invalidate(key: TokenKey, token?: string): void {
    const k = keyString(key);
    if (token === undefined || this.#tokens.get(k)?.token === token) this.#tokens.delete(k);
  }

  /** The scheme a registry challenged this identity with last time, so later requests can skip the 401. */
  scheme(identity: string, host: string): AuthScheme | undefined {
    return this.#schemes.get(`${identity}\n${host}`);
  }

  setScheme(identity: string, host: string, scheme: AuthScheme): void {
    const k = `${identity}\n${host}`;
    this.#schemes.delete(k);
    this.#schemes.set(k, scheme);
    this.#trim(this.#schemes);
  }

  #store(k: string, issued: IssuedToken): void {
    const ttl =
      issued.expiresIn !== undefined && Number.isFinite(issued.expiresIn) && issued.expiresIn > 0 ? issued.expiresIn : DEFAULT_TTL_SECONDS;
    const ttlMs = ttl * 1000;
    const expiresAt = this.#now() + ttlMs - Math.min(this.#margin, ttlMs / 4);
    this.#tokens.delete(k);
    this.#tokens.set(k, { token: issued.token, expiresAt });
    this.#trim(this.#tokens);
  }

  #trim(map: Map<string, unknown>): void {
    while (map.size > this.#max) {
      const oldest = map.keys().next();
      if (oldest.done) break;
      map.delete(oldest.value);
    }
  }
}
