// The server's own API tokens (service-credential mode). Operators configure each token by a name, the
// SHA-256 of the token (never the token itself) and its permissions; a presented token is hashed and
// compared with EVERY configured hash in constant time (crypto.timingSafeEqual over fixed-size digests,
// no early exit), so neither the match nor its position leaks through timing.
// Entry shape (TOML `[[auth.tokens]]`, or JSON in TF_OCI_REGISTRY_AUTH_TOKENS / auth.tokens_file):
//   { name = "ci", sha256 = "<64 hex>", permissions = ["providers:read", "provider-versions:create"] }
import { createHash, timingSafeEqual } from 'node:crypto';
import { expandPermissions, type Permission } from './permissions.js';

export interface ApiTokenEntry {
  name: string;
  /** SHA-256 of the token, 32 bytes. */
  hash: Buffer;
  permissions: ReadonlySet<Permission>;
}

/** SHA-256 of a token as configured: 64 lowercase hex characters. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Checks raw entries (from TOML or JSON) and builds the token list. Throws an Error naming the entry
 * (by index and name) and the problem; names must be unique, hashes too.
 */
export function parseTokenEntries(raw: readonly unknown[]): ApiTokenEntry[] {
  const out: ApiTokenEntry[] = [];
  raw.forEach((item, i) => {
    const where = `token #${i + 1}`;
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      throw new Error(`${where} must be a table {name, sha256, permissions}`);
    const e = item as Record<string, unknown>;
    for (const k of Object.keys(e)) {
      if (k !== 'name' && k !== 'sha256' && k !== 'permissions')
        throw new Error(`${where}: unknown key "${k}" (a token has name, sha256, permissions)`);
    }
    const name = e['name'];
    if (typeof name !== 'string' || !/^[\w.@-]{1,64}$/.test(name))
      throw new Error(`${where}: "name" must be 1-64 characters of letters, digits, _ . @ -`);
    const label = `token "${name}"`;
    const sha = typeof e['sha256'] === 'string' ? e['sha256'].replace(/^sha256:/, '').toLowerCase() : undefined;
    if (sha === undefined || !/^[0-9a-f]{64}$/.test(sha)) {
      throw new Error(`${label}: "sha256" must be the 64-hex SHA-256 of the token (printf %s "$TOKEN" | sha256sum)`);
    }
    const perms = e['permissions'];
    if (!Array.isArray(perms) || perms.length === 0 || !perms.every((p) => typeof p === 'string')) {
      throw new Error(`${label}: "permissions" must be a non-empty list of permission names`);
    }
    let permissions: Set<Permission>;
    try {
      permissions = expandPermissions(perms as string[]);
    } catch (err) {
      throw new Error(`${label}: ${(err as Error).message}`);
    }
    if (out.some((t) => t.name === name)) throw new Error(`${label} is configured twice`);
    const hash = Buffer.from(sha, 'hex');
    if (out.some((t) => t.hash.equals(hash))) throw new Error(`${label} has the same sha256 as another token`);
    out.push({ name, hash, permissions });
  });
  return out;
}

/** The entry whose hash is the presented token's SHA-256, or undefined. Constant time in the match. */
export function findToken(entries: readonly ApiTokenEntry[], presented: string): ApiTokenEntry | undefined {
  const digest = createHash('sha256').update(presented, 'utf8').digest();
  let found: ApiTokenEntry | undefined;
  for (const entry of entries) {
    // Every entry is compared, whatever matched before: no early exit.
    if (timingSafeEqual(entry.hash, digest) && found === undefined) found = entry;
  }
  return found;
}
