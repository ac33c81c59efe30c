// Recognizes the files of a GoReleaser-style provider release (the layout the Terraform registries
// publish): terraform-provider-<type>_<version>_<os>_<arch>.zip, _SHA256SUMS, _SHA256SUMS.sig, _manifest.json.
import { VerifyError } from './errors.js';

/** Operating systems a provider release may target (Terraform registry publishing rules). */
export const RELEASE_OS = ['linux', 'darwin', 'windows', 'freebsd', 'openbsd', 'solaris'] as const;
/** Architectures a provider release may target. */
export const RELEASE_ARCH = ['amd64', '386', 'arm', 'arm64'] as const;

export type ReleaseFile =
  | { kind: 'zip'; filename: string; os: string; arch: string }
  | { kind: 'shasums'; filename: string }
  | { kind: 'signature'; filename: string }
  | { kind: 'manifest'; filename: string };

const SUFFIXES: Array<[string, ReleaseFile['kind']]> = [
  ['SHA256SUMS', 'shasums'],
  ['SHA256SUMS.sig', 'signature'],
  ['manifest.json', 'manifest'],
];

/**
 * Classifies a release file name for provider `type` at `version`. Throws VerifyError BAD_FILENAME naming
 * the file and what differs (type, version, os, arch or shape).
 */
export function parseReleaseFilename(filename: string, type: string, version: string): ReleaseFile {
  const bad = (why: string): VerifyError => new VerifyError('BAD_FILENAME', `${filename}: ${why}`);
  const prefix = 'terraform-provider-';
  if (!filename.startsWith(prefix)) throw bad(`expected a name starting with "${prefix}${type}_${version}_"`);
  // Neither a provider type nor a semver (build metadata included) can hold "_", so "_" splits the name.
  const parts = filename.slice(prefix.length).split('_');
  const [gotType, gotVersion, ...rest] = parts;
  if (gotType !== type) throw bad(`provider type is ${JSON.stringify(gotType)}, expected ${JSON.stringify(type)}`);
  if (gotVersion !== version) throw bad(`version is ${JSON.stringify(gotVersion ?? '')}, expected ${JSON.stringify(version)}`);
  if (rest.length === 1) {
    const kind = SUFFIXES.find(([suffix]) => suffix === rest[0])?.[1];
    if (kind) return { kind, filename } as ReleaseFile;
  }
  if (rest.length === 2 && (rest[1] as string).endsWith('.zip')) {
    const os = rest[0] as string;
    const arch = (rest[1] as string).slice(0, -'.zip'.length);
    if (!(RELEASE_OS as readonly string[]).includes(os))
      throw bad(`unsupported os ${JSON.stringify(os)} (allowed: ${RELEASE_OS.join(', ')})`);
    if (!(RELEASE_ARCH as readonly string[]).includes(arch))
      throw bad(`unsupported arch ${JSON.stringify(arch)} (allowed: ${RELEASE_ARCH.join(', ')})`);
    return { kind: 'zip', filename, os, arch };
  }
  throw bad(`expected _<os>_<arch>.zip, _SHA256SUMS, _SHA256SUMS.sig or _manifest.json after "${prefix}${type}_${version}"`);
}
