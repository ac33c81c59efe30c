// Verifies an upstream release the way Terraform's package authentication does
// (https://developer.hashicorp.com/terraform/internals/provider-registry-protocol#find-a-provider-package):
// the detached signature over the EXACT SHA256SUMS bytes by one of the signing keys, each platform's zip
// listed in SHA256SUMS, and the download endpoint's `shasum` equal to the listed one. Then each package's
// bytes are checked while they stream (checksum-stream.ts) or on disk (checkPackageFile).
import { keyExpiryWarning, readPublicKey, verifyDetachedSignature, type SignatureCheck } from '../verify/gpg.js';
import { isSignatureError, isVerifyError } from '../verify/errors.js';
import { sha256File } from '../verify/sha256-stream.js';
import { parseShasums } from '../verify/shasums.js';
import { zipH1 } from '../verify/zip-inspect.js';
import { formatProviderAddress } from './address.js';
import { UpstreamError } from './errors.js';
import { sha256FromHashes, zhHash } from './hashes.js';
import type { UpstreamPackage, UpstreamRelease } from './types.js';

export interface VerifiedPackage extends UpstreamPackage {
  /** From SHA256SUMS. */
  sha256: string;
}

export interface VerifiedRelease extends UpstreamRelease {
  shasums: Buffer;
  signature: Buffer;
  platforms: VerifiedPackage[];
  signer: SignatureCheck & { /** The armored key that verified the signature. */ armoredKey: string };
  /** e.g. the signer's key expired or expires soon (Terraform accepts expired keys; OpenTofu may not). */
  warnings: string[];
}

export interface VerifyReleaseOptions {
  /**
   * Keys pinned by configuration. When given, ONLY these are trusted and the keys the upstream offers are
   * ignored; otherwise the upstream's `signingKeys` are used, as Terraform does.
   */
  trustedKeys?: string[];
  /** Clock for the key-expiry warning. */
  now?: Date;
}

async function findSigner(shasums: Buffer, signature: Buffer, keys: string[], what: string): Promise<VerifiedRelease['signer']> {
  const refusals: string[] = [];
  for (const armoredKey of keys) {
    try {
      return { ...(await verifyDetachedSignature(shasums, signature, armoredKey)), armoredKey };
    } catch (err) {
      if (isSignatureError(err, 'UNKNOWN_SIGNER')) {
        refusals.push(err.message);
        continue;
      }
      if (isSignatureError(err, 'BAD_SIGNATURE')) {
        throw new UpstreamError('SIGNATURE_INVALID', `${what}: SHA256SUMS signature does not verify: ${err.message}`, { cause: err });
      }
      throw new UpstreamError('SIGNATURE_INVALID', `${what}: cannot check the SHA256SUMS signature: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  const detail = refusals.length > 0 ? `: ${refusals.join('; ')}` : '';
  throw new UpstreamError('UNKNOWN_SIGNER', `${what}: SHA256SUMS is not signed by any of the ${keys.length} trusted key(s)${detail}`);
}

/**
 * Verifies `release` (see the file comment) and returns it with every package's sha256 from SHA256SUMS.
 * UpstreamError: SIGNATURE_INVALID (no SHA256SUMS/signature, bad signature, unreadable key), UNKNOWN_SIGNER
 * (no trusted key signed it, or none given), BAD_RESPONSE (SHA256SUMS does not parse), PLATFORM_MISSING
 * (a package's filename is not listed), CHECKSUM_MISMATCH (its shasum or zh: hash differs from the list).
 */
export async function verifyRelease(release: UpstreamRelease, options: VerifyReleaseOptions = {}): Promise<VerifiedRelease> {
  const what = `${formatProviderAddress(release.address)} ${release.version}`;
  const { shasums, signature } = release;
  if (shasums === undefined || signature === undefined) {
    throw new UpstreamError(
      'SIGNATURE_INVALID',
      `${what}: the source gives no signed SHA256SUMS (a mirror-only release), so it cannot be verified by signature`,
    );
  }
  const keys = options.trustedKeys ?? release.signingKeys ?? [];
  if (keys.length === 0) throw new UpstreamError('UNKNOWN_SIGNER', `${what}: no signing keys to check the SHA256SUMS signature against`);
  const signer = await findSigner(shasums, signature, keys, what);

  let sums: Map<string, string>;
  try {
    sums = parseShasums(shasums);
  } catch (err) {
    if (!isVerifyError(err)) throw err;
    throw new UpstreamError('BAD_RESPONSE', `${what}: ${err.message}`, { cause: err });
  }
  const platforms = release.platforms.map((pkg): VerifiedPackage => {
    const listed = sums.get(pkg.filename);
    const label = `${what} ${pkg.os}_${pkg.arch}`;
    if (listed === undefined) throw new UpstreamError('PLATFORM_MISSING', `${label}: ${pkg.filename} is not listed in SHA256SUMS`);
    if (pkg.sha256 !== undefined && pkg.sha256.toLowerCase() !== listed) {
      throw new UpstreamError(
        'CHECKSUM_MISMATCH',
        `${label}: the source says sha256 ${pkg.sha256.toLowerCase()}, SHA256SUMS lists ${listed}`,
      );
    }
    const zh = sha256FromHashes(pkg.hashes, label);
    if (zh !== undefined && zh !== listed) {
      throw new UpstreamError('CHECKSUM_MISMATCH', `${label}: the source's hash ${zhHash(zh)} differs from SHA256SUMS (${listed})`);
    }
    return { ...pkg, sha256: listed };
  });

  const warnings: string[] = [];
  const info = await readPublicKey(signer.armoredKey).catch(() => undefined);
  const warning = info === undefined ? null : keyExpiryWarning(info, options.now ?? new Date());
  if (warning !== null) warnings.push(warning);
  return { ...release, shasums, signature, platforms, signer, warnings };
}

/**
 * Checks a package already on disk (a mirror directory's zip, or a temp file a download went to) against
 * what the source says: its sha256 (when known) and, when the source gives `h1:` hashes, that its h1 is one
 * of them (Terraform's packageHashAuthentication). Returns both. UpstreamError CHECKSUM_MISMATCH otherwise.
 */
export async function checkPackageFile(path: string, pkg: UpstreamPackage): Promise<{ sha256: string; h1: string | undefined }> {
  const label = pkg.filename;
  const { hex } = await sha256File(path);
  const want = pkg.sha256 ?? sha256FromHashes(pkg.hashes, label);
  if (want !== undefined && want.toLowerCase() !== hex) {
    throw new UpstreamError('CHECKSUM_MISMATCH', `${label}: sha256 is ${hex}, expected ${want.toLowerCase()}`, { location: path });
  }
  const h1s = pkg.hashes.filter((h) => h.startsWith('h1:'));
  if (h1s.length === 0) return { sha256: hex, h1: undefined };
  let h1: string;
  try {
    h1 = await zipH1(path);
  } catch (err) {
    throw new UpstreamError('CHECKSUM_MISMATCH', `${label}: cannot compute its h1: hash: ${(err as Error).message}`, {
      location: path,
      cause: err,
    });
  }
  if (!h1s.includes(h1))
    throw new UpstreamError('CHECKSUM_MISMATCH', `${label}: h1 hash is ${h1}, expected ${h1s.join(' or ')}`, { location: path });
  return { sha256: hex, h1 };
}
