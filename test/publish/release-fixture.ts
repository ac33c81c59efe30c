// Builds provider releases the way GoReleaser names them (terraform-provider-<type>_<version>_<os>_<arch>.zip,
// _SHA256SUMS, _SHA256SUMS.sig, _manifest.json) with REAL zips (the `zip` CLI), and packs them, or any
// hand-made bad entry (links, devices, "..", absolute paths, duplicates), into a .tar.gz with tar-stream.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';

const run = promisify(execFile);

export interface Platform {
  os: string;
  arch: string;
}

/** The two platforms most release fixtures carry. */
export const LINUX_AND_MAC: readonly Platform[] = [
  { os: 'linux', arch: 'amd64' },
  { os: 'darwin', arch: 'arm64' },
];

export interface ReleaseOptions {
  type: string;
  version: string;
  platforms: readonly Platform[];
  /** Detached signature over the SHA256SUMS bytes. */
  sign: (data: Buffer) => Promise<Buffer>;
  /** GoReleaser's _manifest.json with these protocol versions (listed in SHA256SUMS, as GoReleaser does). */
  protocols?: string[];
  /** Extra files inside every zip (name -> content), e.g. LICENSE or a stray file. */
  zipExtras?: Record<string, string>;
}

export interface BuiltRelease {
  /** File name -> bytes, in GoReleaser order. */
  files: Map<string, Buffer>;
  prefix: string;
  shasumsName: string;
  zipNames: string[];
}

export const sha256Hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Makes one zip holding `files` (name -> content) with the zip CLI, stored without timestamps (-X). */
export async function makeZip(files: Record<string, string | Buffer>): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'tfoci-zip-'));
  try {
    for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content, { mode: 0o755 });
    await run('zip', ['-q', '-X', 'out.zip', ...Object.keys(files)], { cwd: dir });
    return await readFile(join(dir, 'out.zip'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A GoReleaser-named release: zips, optional manifest, SHA256SUMS over them, and its signature. */
export async function buildRelease(o: ReleaseOptions): Promise<BuiltRelease> {
  const prefix = `terraform-provider-${o.type}_${o.version}`;
  const files = new Map<string, Buffer>();
  const zipNames: string[] = [];
  for (const p of o.platforms) {
    const bin = `terraform-provider-${o.type}_v${o.version}${p.os === 'windows' ? '.exe' : ''}`;
    const name = `${prefix}_${p.os}_${p.arch}.zip`;
    files.set(name, await makeZip({ [bin]: `#!/bin/sh\necho ${o.type} ${o.version} ${p.os}_${p.arch}\n`, ...o.zipExtras }));
    zipNames.push(name);
  }
  if (o.protocols)
    files.set(
      `${prefix}_manifest.json`,
      Buffer.from(JSON.stringify({ version: 1, metadata: { protocol_versions: o.protocols } }, null, 2)),
    );
  const shasumsName = `${prefix}_SHA256SUMS`;
  const sums = [...files]
    .map(([name, bytes]) => `${sha256Hex(bytes)}  ${name}\n`)
    .sort((a, b) => a.slice(66).localeCompare(b.slice(66)))
    .join('');
  files.set(shasumsName, Buffer.from(sums));
  files.set(`${shasumsName}.sig`, await o.sign(Buffer.from(sums)));
  return { files, prefix, shasumsName, zipNames };
}

/** A tar entry: a regular file by default; `type`/`linkname` make links, devices and directories. */
export interface TarEntry {
  name: string;
  content?: Buffer | string;
  type?: 'file' | 'link' | 'symlink' | 'directory' | 'character-device' | 'block-device' | 'fifo';
  linkname?: string;
}

/** Packs entries (in order) into a tar, then gzips it. */
export async function tarGz(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(Buffer.from(c as Uint8Array));
  })();
  for (const e of entries) {
    const body = e.content === undefined ? Buffer.alloc(0) : Buffer.from(e.content);
    await new Promise<void>((resolve, reject) => {
      pack.entry(
        {
          name: e.name,
          type: e.type ?? 'file',
          size: body.length,
          mode: 0o644,
          mtime: new Date(0),
          ...(e.linkname ? { linkname: e.linkname } : {}),
        },
        e.type === undefined || e.type === 'file' ? body : (undefined as unknown as Buffer),
        (err) => (err ? reject(err) : resolve()),
      );
    });
  }
  pack.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

/** The release's files as tar entries at the root (what `tar -czf r.tar.gz terraform-provider-x_1.0.0_*` makes). */
export function entriesOf(release: BuiltRelease, rename: (name: string) => string = (n) => n): TarEntry[] {
  return [...release.files].map(([name, content]) => ({ name: rename(name), content }));
}
