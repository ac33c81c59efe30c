// Delegated mode: turns what terraform (or an API client) presents into the registry credential used
// upstream on the caller's behalf, and into the cache principal (a hash, never the secret).
// Terraform sends `Authorization: Bearer <token>` from `credentials "host" { token = … }` or TF_TOKEN_*
// (docs/design/protocols.md §4.4). How that token is handed to the registry is configurable (auth.delegate_token_as),
// in oras-go's credential shapes (docs/design/protocols.md §3, src/oci/store.ts Credential):
//   access_token  -> used directly as the registry's bearer token (no token exchange);
//   password      -> the password of auth.delegate_username: Basic on a Basic challenge, and the
//                    Basic credential of the registry's token exchange (GET <realm>) on a Bearer one;
//   refresh_token -> exchanged at the realm with the OAuth2 refresh_token grant (POST <realm>).
// With auth.delegate_userpass (default on), a token that is `user:password`, plain or base64, is used as
// that user name and password whatever the setting (registries that want Basic, e.g. htpasswd), and
// `Authorization: Basic` from API clients is accepted the same way.
import { createHash } from 'node:crypto';
import type { Credential } from '../oci/store.js';

export type DelegateTokenAs = 'access_token' | 'password' | 'refresh_token';

export interface DelegateOptions {
  tokenAs: DelegateTokenAs;
  /** User name for tokenAs = "password". */
  username?: string;
  /** Accept `user:password` tokens (plain or base64) and Basic headers. */
  userPassword: boolean;
}

/** What the Authorization header held. */
export type Presented =
  | { scheme: 'none' }
  | { scheme: 'bearer'; token: string }
  | { scheme: 'basic'; username: string; password: string }
  | { scheme: 'invalid'; reason: string };

const CONTROL = /[\u0000-\u001f\u007f]/;

/** Parses an Authorization header (RFC 6750 Bearer, RFC 7617 Basic); anything else is invalid. */
export function readAuthorization(header: string | undefined | null): Presented {
  if (header === undefined || header === null || header.trim() === '') return { scheme: 'none' };
  const m = /^\s*(\S+)\s+(\S.*?)\s*$/s.exec(header);
  if (!m) return { scheme: 'invalid', reason: 'malformed Authorization header' };
  const scheme = m[1]!.toLowerCase();
  const value = m[2]!;
  if (scheme === 'bearer') {
    if (CONTROL.test(value)) return { scheme: 'invalid', reason: 'malformed bearer token' };
    return { scheme: 'bearer', token: value };
  }
  if (scheme === 'basic') {
    const pair = splitUserPassword(value, { plain: false });
    return pair ? { scheme: 'basic', ...pair } : { scheme: 'invalid', reason: 'malformed Basic credentials' };
  }
  return { scheme: 'invalid', reason: `unsupported Authorization scheme "${m[1]}" (use Bearer)` };
}

function splitPair(text: string): { username: string; password: string } | undefined {
  const i = text.indexOf(':');
  if (i <= 0 || CONTROL.test(text)) return undefined;
  const username = text.slice(0, i);
  if (/\s/.test(username)) return undefined;
  return { username, password: text.slice(i + 1) };
}

/**
 * `user:password` from a token: plain text (when `plain`), or canonical base64 of valid UTF-8 text
 * without control characters. Random tokens (hex, JWTs, ghp_…, glpat-…) do not qualify.
 */
export function splitUserPassword(
  token: string,
  opts: { plain: boolean } = { plain: true },
): { username: string; password: string } | undefined {
  if (opts.plain && token.includes(':')) return splitPair(token);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(token) || token.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(token, 'base64');
  if (bytes.toString('base64') !== token) return undefined;
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(bytes)) return undefined; // not valid UTF-8
  return splitPair(text);
}

/** The upstream credential for what the caller presented; `{}` (anonymous) for nothing. */
export function delegatedCredential(presented: Presented, opts: DelegateOptions): Credential | undefined {
  switch (presented.scheme) {
    case 'none':
      return {};
    case 'invalid':
      return undefined;
    case 'basic':
      return opts.userPassword ? { username: presented.username, password: presented.password } : undefined;
    case 'bearer': {
      const token = presented.token;
      if (opts.userPassword) {
        const pair = splitUserPassword(token);
        if (pair) return pair;
      }
      switch (opts.tokenAs) {
        case 'access_token':
          return { accessToken: token };
        case 'refresh_token':
          return { refreshToken: token };
        case 'password':
          return { username: opts.username ?? '', password: token };
      }
    }
  }
}

/**
 * The cache principal of a delegated credential (src/registry/context.ts Caller.principal): a
 * domain-separated SHA-256 over every credential field. Distinct credentials never share caches.
 */
export function delegatedPrincipal(credential: Credential): string {
  const material = JSON.stringify([
    credential.username ?? null,
    credential.password ?? null,
    credential.accessToken ?? null,
    credential.refreshToken ?? null,
  ]);
  return `delegated:${createHash('sha256').update('tf-oci-registry principal v1\0').update(material).digest('hex')}`;
}
