// Provider package hashes as lock files and network mirrors carry them: `zh:<hex sha256 of the zip>` and
// `h1:<base64 dirhash of the zip's contents>` (https://developer.hashicorp.com/terraform/language/files/dependency-lock#checksum-verification).
import { UpstreamError } from './errors.js';

const ZH_RE = /^zh:([0-9a-f]{64})$/;
const H1_RE = /^h1:[A-Za-z0-9+/]{43}=$/;
const SCHEME_RE = /^[a-z][a-z0-9]*:\S+$/;

export function zhHash(sha256hex: string): string {
  return `zh:${sha256hex.toLowerCase()}`;
}

/** True for a well-formed `zh:` or `h1:` hash, or another `scheme:value` (kept, as Terraform keeps unknown schemes). */
export function isHashString(s: string): boolean {
  if (s.startsWith('zh:')) return ZH_RE.test(s);
  if (s.startsWith('h1:')) return H1_RE.test(s);
  return SCHEME_RE.test(s);
}

/** Checks a list of hashes given for ONE package; UpstreamError BAD_RESPONSE names the bad one. */
export function checkPackageHashes(hashes: readonly string[], what: string): string[] {
  for (const h of hashes) {
    if (typeof h !== 'string' || !isHashString(h)) throw new UpstreamError('BAD_RESPONSE', `${what}: invalid hash ${JSON.stringify(h)}`);
  }
  return [...hashes];
}

/**
 * The sha256 a package's own hash list states through `zh:` entries, or undefined when it has none.
 * Two different `zh:` values for one package are BAD_RESPONSE.
 */
export function sha256FromHashes(hashes: readonly string[], what: string): string | undefined {
  const found = new Set(hashes.map((h) => ZH_RE.exec(h)?.[1]).filter((x): x is string => x !== undefined));
  if (found.size > 1) throw new UpstreamError('BAD_RESPONSE', `${what}: several different zh: hashes for one package`);
  return [...found][0];
}

/**
 * Whether a package is acceptable under a lock file's `hashes` (which cover every platform): like
 * Terraform, one matching hash is enough; an empty list accepts everything.
 */
export function lockHashesAccept(locked: readonly string[], actual: { sha256?: string; h1?: string }): boolean {
  if (locked.length === 0) return true;
  return (actual.sha256 !== undefined && locked.includes(zhHash(actual.sha256))) || (actual.h1 !== undefined && locked.includes(actual.h1));
}
