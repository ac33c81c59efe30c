// A small Distribution token server for integration tests (node:crypto + openssl for the certificate).
// GET <realm>?service=&scope=… with Basic credentials (or none, for anonymous), and POST <realm> with
// the OAuth2 refresh_token grant. Issues RS256 JWTs whose header carries the libtrust `kid` of the
// signing key (or `x5c`), with iss/aud/access claims as Distribution 2.8 checks them, and grants the
// subset of the requested actions that the user's longest matching repository prefix allows.
// Records every request so tests can count token round trips.
// Reference: https://distribution.github.io/distribution/spec/auth/jwt/ (docs/design/oci-registries.md §1(c));
// Distribution v3 looks keys up by RFC 7638 thumbprint: https://www.rfc-editor.org/rfc/rfc7638
import { spawnSync } from 'node:child_process';
import { X509Certificate, createHash, createPrivateKey, randomUUID, sign, type KeyObject } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectedImplementation } from './registry-implementations.js';

export interface Grant {
  /** Repository name prefix ("" = every repository). The longest matching prefix wins. */
  prefix: string;
  actions: string[];
}

export interface TokenUser {
  password: string;
  grants: Grant[];
}

export interface Access {
  type: string;
  name: string;
  actions: string[];
}

export interface TokenRequestRecord {
  method: string;
  /** The authenticated user, or null for anonymous. */
  user: string | null;
  grantType: 'basic' | 'anonymous' | 'refresh_token';
  scopes: string[];
  granted: Access[];
}

export interface TokenServerOptions {
  service?: string;
  issuer?: string;
  users?: Record<string, TokenUser>;
  /** Grants for anonymous callers; undefined refuses anonymous requests with 401. */
  anonymous?: Grant[];
  /** Refresh token -> user name, for the refresh_token grant. */
  refreshTokens?: Record<string, string>;
  /** `expires_in` of issued tokens. Default 300. */
  expiresIn?: number;
  /**
   * Identify the signing key by `kid` (default) or by `x5c`. The `kid` is what the registry under test
   * derives from its rootcertbundle: the libtrust key id for Distribution 2.8, the RFC 7638 JWK thumbprint
   * for Distribution v3 (docs/registries.md).
   */
  keyIdMode?: 'kid' | 'x5c';
  /** Which `kid` form; default: the selected registry's (TF_OCI_TEST_REGISTRY). */
  kidForm?: 'libtrust' | 'jwk-thumbprint';
}

export interface TokenServer {
  /** The token endpoint, to configure as the registry's realm. */
  readonly realm: string;
  readonly service: string;
  readonly issuer: string;
  /** PEM certificate to configure as the registry's rootcertbundle. */
  readonly certFile: string;
  /** Every token request so far (tests may clear it with `requests.length = 0`). */
  readonly requests: TokenRequestRecord[];
  /** Mutable behaviour: change anonymous grants during a test. */
  options: TokenServerOptions;
  /** Mints a token directly (for the accessToken credential path), not recorded as a request. */
  mint(user: string | null, scopes: string[]): string;
  close(): Promise<void>;
}

/** libtrust key id: sha256 of the DER SPKI, first 240 bits, base32 without padding, 12 groups of 4. */
export function libtrustKeyId(spkiDer: Buffer): string {
  const bytes = createHash('sha256').update(spkiDer).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const b of bytes) bits += b.toString(2).padStart(8, '0');
  let out = '';
  for (let i = 0; i < bits.length; i += 5) out += alphabet[parseInt(bits.slice(i, i + 5), 2)];
  return (out.match(/.{4}/g) ?? []).join(':');
}

/** RFC 7638 JWK thumbprint of an RSA public key: base64url(sha256('{"e":…,"kty":"RSA","n":…}')). */
export function jwkThumbprint(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  return createHash('sha256').update(`{"e":"${jwk.e}","kty":"RSA","n":"${jwk.n}"}`).digest('base64url');
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

function parseScope(scope: string): { type: string; name: string; actions: string[] } | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first === -1 || last === first) return undefined;
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',') };
}

function grant(grants: Grant[], scopes: string[]): Access[] {
  const out: Access[] = [];
  for (const s of scopes) {
    const parsed = parseScope(s);
    if (parsed?.type !== 'repository') continue;
    const match = grants.filter((g) => parsed.name.startsWith(g.prefix)).sort((a, b) => b.prefix.length - a.prefix.length)[0];
    const allowed = match ? parsed.actions.filter((a) => match.actions.includes(a) || match.actions.includes('*')) : [];
    out.push({ type: 'repository', name: parsed.name, actions: allowed });
  }
  return out;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts the token server on 127.0.0.1 with a fresh RSA key and self-signed certificate. */
export async function startTokenServer(options: TokenServerOptions = {}): Promise<TokenServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tf-oci-token-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  const issuer = options.issuer ?? 'test-token-issuer';
  const r = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${issuer}`],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  const key: KeyObject = createPrivateKey(readFileSync(keyFile));
  const cert = new X509Certificate(readFileSync(certFile));
  const kidForm = options.kidForm ?? (selectedImplementation() === 'distribution-3' ? 'jwk-thumbprint' : 'libtrust');
  const kid =
    kidForm === 'libtrust' ? libtrustKeyId(cert.publicKey.export({ type: 'spki', format: 'der' })) : jwkThumbprint(cert.publicKey);
  const x5c = [cert.raw.toString('base64')];
  const requests: TokenRequestRecord[] = [];

  const state: TokenServer = {
    realm: '',
    service: options.service ?? 'test-registry',
    issuer,
    certFile,
    requests,
    options,
    mint,
    close: async () => {
      server.close();
      server.closeAllConnections();
      await once(server, 'close');
      rmSync(dir, { recursive: true, force: true });
    },
  };

  function jwt(subject: string, access: Access[]): string {
    const now = Math.floor(Date.now() / 1000);
    const header = state.options.keyIdMode === 'x5c' ? { typ: 'JWT', alg: 'RS256', x5c } : { typ: 'JWT', alg: 'RS256', kid };
    const claims = {
      iss: issuer,
      sub: subject,
      aud: state.service,
      exp: now + (state.options.expiresIn ?? 300),
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    return `${input}.${b64url(sign('sha256', Buffer.from(input), key))}`;
  }

  function grantsFor(user: string | null): Grant[] | undefined {
    if (user === null) return state.options.anonymous;
    return state.options.users?.[user]?.grants;
  }

  function mint(user: string | null, scopes: string[]): string {
    return jwt(user ?? 'anonymous', grant(grantsFor(user) ?? [], scopes));
  }

  function reply(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname !== '/token') return reply(res, 404, { errors: [{ code: 'NOT_FOUND' }] });
      let user: string | null = null;
      let grantType: TokenRequestRecord['grantType'] = 'anonymous';
      let scopes: string[];
      if (req.method === 'POST') {
        const form = new URLSearchParams(await readBody(req));
        if (form.get('grant_type') !== 'refresh_token') return reply(res, 400, { error: 'unsupported_grant_type' });
        user = state.options.refreshTokens?.[form.get('refresh_token') ?? ''] ?? null;
        if (user === null) return reply(res, 401, { error: 'invalid_grant' });
        grantType = 'refresh_token';
        scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
      } else {
        const auth = req.headers.authorization;
        if (auth?.startsWith('Basic ')) {
          const [name = '', ...rest] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
          if (state.options.users?.[name]?.password !== rest.join(':')) {
            requests.push({ method: 'GET', user: name, grantType: 'basic', scopes: [], granted: [] });
            return reply(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] });
          }
          user = name;
          grantType = 'basic';
        }
        scopes = url.searchParams
          .getAll('scope')
          .flatMap((s) => s.split(' '))
          .filter(Boolean);
      }
      const grants = grantsFor(user);
      if (grants === undefined) {
        requests.push({ method: req.method ?? '', user, grantType, scopes, granted: [] });
        return reply(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] });
      }
      const access = grant(grants, scopes);
      requests.push({ method: req.method ?? '', user, grantType, scopes, granted: access });
      const token = jwt(user ?? 'anonymous', access);
      reply(res, 200, { token, access_token: token, expires_in: state.options.expiresIn ?? 300, issued_at: new Date().toISOString() });
    })().catch((err: unknown) => reply(res, 500, { error: String(err) }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  (state as { realm: string }).realm = `http://127.0.0.1:${address.port}/token`;
  return state;
}
