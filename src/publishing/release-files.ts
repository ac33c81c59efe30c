// Which files a release may hold (docs/design/publishing-baseline.md#tarball-contents), by path relative to the release root:
//
//   terraform-provider-<type>_<version>_<os>_<arch>.zip   required, at least one      -> zip
//   terraform-provider-<type>_<version>_SHA256SUMS        required                    -> shasums
//   terraform-provider-<type>_<version>_SHA256SUMS.sig    required (binary or armored) -> signature
//   terraform-registry-manifest.json, or GoReleaser's
//   terraform-provider-<type>_<version>_manifest.json     optional                    -> manifest
//   README.md, CHANGELOG.md (any case)                    optional, not served         -> extra
//   docs/**/*.md (and the docs/ directories)              optional, not served         -> extra (tarball only)
//
// Anything else is refused with a message naming the file. The collected pieces of a release (from a
// tarball or a draft) share one shape, CollectedRelease, checked by verify-release.ts.
import type { Descriptor } from '../oci/types.js';
import { isVerifyError } from '../verify/errors.js';
import { parseReleaseFilename } from '../verify/release-names.js';

export type FileRole =
  | { role: 'zip'; os: string; arch: string }
  | { role: 'shasums' }
  | { role: 'signature' }
  | { role: 'manifest' }
  | { role: 'extra' };

export const REGISTRY_MANIFEST = 'terraform-registry-manifest.json';

/** A provider zip that passed its own checks (zip format, contents policy) and is stored as a blob. */
export interface CollectedZip {
  filename: string;
  os: string;
  arch: string;
  blob: Descriptor;
  h1: string;
}

/** A small file read into memory (SHA256SUMS, signature, manifest). */
export interface SmallFile {
  filename: string;
  bytes: Buffer;
}

/** Everything gathered from one upload or draft, before the release-wide checks. */
export interface CollectedRelease {
  zips: CollectedZip[];
  shasums: SmallFile | null;
  signature: SmallFile | null;
  manifests: SmallFile[];
  /** Lowercase sha256 hex of every accepted file, by release path (SHA256SUMS may list any of them). */
  hashes: Map<string, string>;
  /** Failed per-file checks, each naming the file. */
  problems: string[];
  /** Set when the archive itself could not be read to its end (not gzip, not tar, truncated). */
  unreadable?: string;
}

export function emptyRelease(): CollectedRelease {
  return { zips: [], shasums: null, signature: null, manifests: [], hashes: new Map(), problems: [] };
}

/** What a README/CHANGELOG name looks like (docs/design/publishing-baseline.md#tarball-contents: case-insensitive). */
const EXTRA_RE = /^(?:readme|changelog)\.md$/i;
const DOC_RE = /^docs\/(?:[A-Za-z0-9_.-]+\/)*[A-Za-z0-9_.-]+\.md$/;

/**
 * The role of release path `path` for provider `type` at `version`, or a message naming the file and why
 * it is refused. `allowDocs` is false for drafts (one file name per upload, no directories).
 */
export function classifyReleasePath(path: string, type: string, version: string, allowDocs: boolean): FileRole | string {
  if (EXTRA_RE.test(path)) return { role: 'extra' };
  if (path === REGISTRY_MANIFEST) return { role: 'manifest' };
  if (path.startsWith('docs/')) {
    if (allowDocs && DOC_RE.test(path)) return { role: 'extra' };
    return `${path}: unsupported file: only docs/*.md files may sit under docs/${allowDocs ? '' : ' (and not in drafts)'} (file name check)`;
  }
  if (path.includes('/')) return `${path}: unsupported file: release files sit at the root of the tarball (file name check)`;
  if (!path.startsWith('terraform-provider-')) {
    return (
      `${path}: unsupported file: a release holds only terraform-provider-${type}_${version}_<os>_<arch>.zip files, ` +
      `_SHA256SUMS, _SHA256SUMS.sig, an optional manifest (${REGISTRY_MANIFEST} or _manifest.json), README.md, CHANGELOG.md and docs/*.md (file name check)`
    );
  }
  try {
    const f = parseReleaseFilename(path, type, version);
    switch (f.kind) {
      case 'zip':
        return { role: 'zip', os: f.os, arch: f.arch };
      case 'shasums':
        return { role: 'shasums' };
      case 'signature':
        return { role: 'signature' };
      case 'manifest':
        return { role: 'manifest' };
    }
  } catch (err) {
    if (isVerifyError(err)) return `${err.message} (file name check)`;
    throw err;
  }
}
