// The release-wide checks (docs/design/publishing-baseline.md#tarball-contents, #verification-checks, #when-publishing-fails), run on what
// a tarball or a draft collected, before anything becomes visible. Every failure is reported, each naming
// the file and the check:
//   - at least one provider zip;
//   - SHA256SUMS present, parseable, listing every zip with its exact hash, and listing nothing that is not
//     in the release (GoReleaser's _manifest.json line is fine when that file is present, and hash-checked);
//   - the detached signature present and made over the exact SHA256SUMS bytes by the version's registered
//     key or one of its signing subkeys; stored in BINARY form (what Terraform downloads, docs/design/protocols.md §4.3);
//   - an optional registry manifest whose metadata.protocol_versions are 5.x/6.x; recorded protocols are,
//     in order: the manifest's, the version's `protocols` attribute, or "5.0" (docs/design/publishing-baseline.md#protocol-versions).
import { isSignatureError, isVerifyError } from '../verify/errors.js';
import { toBinarySignature, verifyDetachedSignature } from '../verify/gpg.js';
import { parseShasums } from '../verify/shasums.js';
import { DEFAULT_PROTOCOLS } from '../layout/provider-release.js';
import { parseProtocols } from './provider-versions.js';
import { REGISTRY_MANIFEST, type CollectedRelease, type CollectedZip, type SmallFile } from './release-files.js';

export interface VerifyInput {
  type: string;
  version: string;
  /** The registered key's armor. */
  armoredKey: string;
  requestedProtocols: string[] | null;
}

/** A release that passed every check: what gets stored. */
export interface VerifiedRelease {
  zips: CollectedZip[];
  shasums: SmallFile;
  /** Binary detached signature. */
  signature: Buffer;
  /** The registry manifest to store (GoReleaser's name preferred), if any. */
  manifest: SmallFile | null;
  protocols: string[];
}

export type VerifyOutcome = { ok: true; release: VerifiedRelease } | { ok: false; problems: string[] };

function manifestProtocols(file: SmallFile): string[] | string {
  let doc: unknown;
  try {
    doc = JSON.parse(file.bytes.toString('utf8'));
  } catch (err) {
    return `${file.filename}: not valid JSON (${(err as Error).message}) (manifest check)`;
  }
  const metadata = (doc as { metadata?: { protocol_versions?: unknown } } | null)?.metadata;
  if (
    typeof doc !== 'object' ||
    doc === null ||
    (doc as { version?: unknown }).version !== 1 ||
    typeof metadata !== 'object' ||
    metadata === null
  ) {
    return `${file.filename}: expected {"version": 1, "metadata": {"protocol_versions": [...]}} (manifest check)`;
  }
  try {
    return parseProtocols(metadata.protocol_versions, '/');
  } catch (err) {
    return `${file.filename}: metadata.protocol_versions: ${(err as Error).message} (manifest check)`;
  }
}

function checkShasums(c: CollectedRelease, shasums: SmallFile, problems: string[]): void {
  let sums: Map<string, string>;
  try {
    sums = parseShasums(shasums.bytes);
  } catch (err) {
    if (!isVerifyError(err)) throw err;
    problems.push(`${shasums.filename}: ${err.message} (checksum file check)`);
    return;
  }
  for (const [name, hex] of c.hashes) {
    if (!name.endsWith('.zip')) continue;
    const listed = sums.get(name);
    if (listed === undefined) problems.push(`${name}: not listed in ${shasums.filename} (checksum check)`);
    else if (listed !== hex)
      problems.push(`${name}: checksum mismatch: ${shasums.filename} says ${listed}, the file hashes to ${hex} (checksum check)`);
  }
  for (const [name, listed] of sums) {
    const actual = c.hashes.get(name);
    if (actual === undefined) problems.push(`${shasums.filename}: lists ${name}, which is not in the release (checksum check)`);
    else if (!name.endsWith('.zip') && actual !== listed) {
      problems.push(`${name}: checksum mismatch: ${shasums.filename} says ${listed}, the file hashes to ${actual} (checksum check)`);
    }
  }
}

async function checkSignature(shasums: SmallFile, sig: SmallFile, armoredKey: string, problems: string[]): Promise<Buffer | null> {
  try {
    const binary = toBinarySignature(sig.bytes);
    await verifyDetachedSignature(shasums.bytes, binary, armoredKey);
    return binary;
  } catch (err) {
    if (!isSignatureError(err)) throw err;
    const what =
      err.code === 'UNKNOWN_SIGNER'
        ? "not signed by the version's GPG key"
        : err.code === 'BAD_SIGNATURE'
          ? 'signature does not match'
          : 'unreadable signature';
    problems.push(`${sig.filename}: ${what}: ${err.message} (signature check)`);
    return null;
  }
}

/** Runs every release-wide check over `c` (whose per-file problems are included in the outcome). */
export async function verifyRelease(c: CollectedRelease, input: VerifyInput): Promise<VerifyOutcome> {
  // An archive that could not be read to its end: what is missing is the archive's fault, not the release's.
  if (c.unreadable !== undefined) return { ok: false, problems: [c.unreadable, ...c.problems] };
  const problems = [...c.problems];
  const prefix = `terraform-provider-${input.type}_${input.version}`;
  const zipCount = [...c.hashes.keys()].filter((n) => n.endsWith('.zip')).length;
  if (zipCount === 0) problems.push(`the release has no provider zip (${prefix}_<os>_<arch>.zip) (contents check)`);
  if (!c.shasums) problems.push(`the release has no ${prefix}_SHA256SUMS (contents check)`);
  else checkShasums(c, c.shasums, problems);
  let signature: Buffer | null = null;
  if (!c.signature) problems.push(`the release has no ${prefix}_SHA256SUMS.sig, the detached signature of SHA256SUMS (contents check)`);
  else if (c.shasums) signature = await checkSignature(c.shasums, c.signature, input.armoredKey, problems);

  let protocols: string[] | null = null;
  for (const m of c.manifests) {
    const got = manifestProtocols(m);
    if (typeof got === 'string') problems.push(got);
    else if (protocols !== null && protocols.join(',') !== got.join(',')) {
      problems.push(
        `${m.filename}: declares protocol versions ${got.join(', ')}, another manifest in the release says ${protocols.join(', ')} (manifest check)`,
      );
    } else protocols = got;
  }
  if (problems.length > 0 || !c.shasums || !signature) return { ok: false, problems };
  const manifest = c.manifests.find((m) => m.filename !== REGISTRY_MANIFEST) ?? c.manifests[0] ?? null;
  return {
    ok: true,
    release: {
      zips: c.zips,
      shasums: c.shasums,
      signature,
      manifest,
      protocols: protocols ?? input.requestedProtocols ?? DEFAULT_PROTOCOLS,
    },
  };
}
