// Finds a provider release in a directory: GoReleaser's dist/ or a directory holding just the release
// files. The release is the group of files named terraform-provider-<type>_<version>_… that has a
// _SHA256SUMS: its <os>_<arch>.zip files, _SHA256SUMS, _SHA256SUMS.sig and GoReleaser's optional
// _manifest.json. Everything else (artifacts.json, metadata.json, config.yaml, build folders, other
// checksum files, other releases) is ignored and listed as such. Type and version come from the names,
// unless given.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isVerifyError } from '../verify/errors.js';
import { parseReleaseFilename } from '../verify/release-names.js';
import { PublishError } from './api-error.js';

export interface LocalFile {
  filename: string;
  path: string;
  size: number;
}

export interface LocalZip extends LocalFile {
  os: string;
  arch: string;
}

export interface LocalRelease {
  dir: string;
  type: string;
  version: string;
  zips: LocalZip[];
  shasums: LocalFile;
  signature: LocalFile;
  manifest: LocalFile | null;
  /** Names in the directory that are not part of the release. */
  ignored: string[];
}

/** Every file the release uploads, in the order GoReleaser lists them (zips, manifest, sums, signature). */
export function releaseFiles(r: LocalRelease): LocalFile[] {
  return [...r.zips, ...(r.manifest ? [r.manifest] : []), r.shasums, r.signature];
}

const NAME_RE = /^terraform-provider-([^_]+)_([^_]+)_(.+)$/;

interface Entry {
  name: string;
  path: string;
  size: number;
  type: string;
  version: string;
}

async function listFiles(dir: string): Promise<{ files: Entry[]; others: string[] }> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such directory' : code === 'ENOTDIR' ? 'not a directory' : (err as Error).message;
    throw new PublishError(`${dir}: ${why} (give the GoReleaser dist/ directory or a directory holding the release files)`, true);
  }
  const files: Entry[] = [];
  const others: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    const st = await stat(path).catch(() => null);
    const m = NAME_RE.exec(name);
    if (!st?.isFile() || !m) others.push(st?.isDirectory() ? `${name}/` : name);
    else files.push({ name, path, size: st.size, type: m[1] as string, version: m[2] as string });
  }
  return { files, others };
}

/** Reads `dir` and picks the one release in it (or the one of `want.type` / `want.version`). */
export async function findProviderRelease(dir: string, want: { type?: string; version?: string } = {}): Promise<LocalRelease> {
  const { files, others } = await listFiles(dir);
  const matches = files.filter(
    (f) => (want.type === undefined || f.type === want.type) && (want.version === undefined || f.version === want.version),
  );
  const groups = [...new Set(matches.filter((f) => f.name.endsWith('_SHA256SUMS')).map((f) => `${f.type}_${f.version}`))];
  const filter = [want.type && `--provider ${want.type}`, want.version && `--version ${want.version}`].filter(Boolean).join(' ');
  if (groups.length === 0) {
    throw new PublishError(
      `${dir}: no terraform-provider-<type>_<version>_SHA256SUMS${filter ? ` for ${filter}` : ''} found; ` +
        `a release is GoReleaser's terraform-provider-<type>_<version>_<os>_<arch>.zip files, _SHA256SUMS and _SHA256SUMS.sig`,
      true,
    );
  }
  if (groups.length > 1) {
    throw new PublishError(
      `${dir}: holds several releases (${groups.map((g) => `terraform-provider-${g}`).join(', ')}); choose one with --provider TYPE and --version VERSION`,
      true,
    );
  }
  const [type, version] = (groups[0] as string).split('_') as [string, string];
  const ignored = [...others];
  const zips: LocalZip[] = [];
  let shasums: LocalFile | undefined;
  let signature: LocalFile | undefined;
  let manifest: LocalFile | null = null;
  for (const f of files) {
    if (f.type !== type || f.version !== version) {
      ignored.push(f.name);
      continue;
    }
    const local = { filename: f.name, path: f.path, size: f.size };
    let kind: ReturnType<typeof parseReleaseFilename>;
    try {
      kind = parseReleaseFilename(f.name, type, version);
    } catch (err) {
      // A GoReleaser output of this release that is not a release file (e.g. _SHA256SUMS.pem): not ours.
      if (isVerifyError(err) && !f.name.endsWith('.zip')) {
        ignored.push(f.name);
        continue;
      }
      throw new PublishError(`${dir}: ${(err as Error).message}`, true);
    }
    if (kind.kind === 'zip') zips.push({ ...local, os: kind.os, arch: kind.arch });
    else if (kind.kind === 'shasums') shasums = local;
    else if (kind.kind === 'signature') signature = local;
    else manifest = local;
  }
  const prefix = `terraform-provider-${type}_${version}`;
  if (!signature) {
    throw new PublishError(
      `${dir}: no ${prefix}_SHA256SUMS.sig; sign the checksum file (GoReleaser's signs: section with artifacts: checksum)`,
      true,
    );
  }
  if (zips.length === 0) throw new PublishError(`${dir}: no ${prefix}_<os>_<arch>.zip files`, true);
  // The group was chosen by its _SHA256SUMS, so it is there.
  return { dir, type, version, zips, shasums: shasums as LocalFile, signature, manifest, ignored: ignored.sort() };
}
