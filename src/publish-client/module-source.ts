// What a module publish uploads: a module directory (packed on the fly into a .tar.gz, `.git` and
// `.terraform` left out, symbolic links refused as the server would) or a ready .zip / .tar.gz (sent as
// is). Also counts its files and their uncompressed bytes, which the server records for each version:
// the command's idempotency check compares these (the server stores a repacked zip, so its hash says
// nothing about the upload's bytes).
import { createReadStream } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import yauzl from 'yauzl';
import { PublishError } from './api-error.js';
import type { LocalFile } from './release-directory.js';
import { releaseTarball } from './release-tarball.js';

export interface ModuleSource {
  /** The directory or archive, as given. */
  path: string;
  kind: 'directory' | 'zip' | 'tar.gz';
  /** Regular files in the package and their total size (what the server records as files / unpacked-bytes). */
  files: number;
  unpackedBytes: number;
  /** Bytes to send, when known up front (archives). */
  uploadBytes?: number;
  /** A new stream of the upload; `onBytes` reports the bytes read from disk. */
  open(onBytes: (bytes: number) => void): Readable;
  /** Directories left out of a packed directory. */
  ignored: string[];
}

const SKIPPED_DIRS = new Set(['.git', '.terraform']);

async function walk(root: string, rel: string, out: LocalFile[], ignored: string[]): Promise<void> {
  for (const name of (await readdir(join(root, rel))).sort()) {
    const path = rel === '' ? name : `${rel}/${name}`;
    const st = await lstat(join(root, path));
    if (st.isSymbolicLink()) throw new PublishError(`${join(root, path)}: a symbolic link; modules hold regular files only`, true);
    if (st.isDirectory()) {
      if (SKIPPED_DIRS.has(name)) ignored.push(`${path}/`);
      else await walk(root, path, out, ignored);
    } else if (st.isFile()) out.push({ filename: path, path: join(root, path), size: st.size });
  }
}

async function countTarGz(path: string): Promise<{ files: number; bytes: number }> {
  const extract = tar.extract();
  let files = 0;
  let bytes = 0;
  createReadStream(path)
    .on('error', (e) => extract.destroy(e))
    .pipe(createGunzip())
    .on('error', (e) => extract.destroy(e))
    .pipe(extract);
  for await (const entry of extract) {
    if (entry.header.type === 'file' || entry.header.type === 'contiguous-file') {
      files += 1;
      bytes += entry.header.size ?? 0;
    }
    entry.resume();
  }
  return { files, bytes };
}

function countZip(path: string): Promise<{ files: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('cannot open the zip'));
      let files = 0;
      let bytes = 0;
      zip.on('entry', (e: yauzl.Entry) => {
        if (!e.fileName.endsWith('/')) {
          files += 1;
          bytes += e.uncompressedSize;
        }
        zip.readEntry();
      });
      zip.on('end', () => resolve({ files, bytes }));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

function archiveKind(path: string): 'zip' | 'tar.gz' | null {
  if (/\.zip$/i.test(path)) return 'zip';
  if (/\.(?:tar\.gz|tgz)$/i.test(path)) return 'tar.gz';
  return null;
}

/** Reads `path`: a module directory, a .zip, or a .tar.gz / .tgz. */
export async function openModuleSource(path: string): Promise<ModuleSource> {
  const st = await lstat(path).catch(() => null);
  if (!st) throw new PublishError(`${path}: no such file or directory (give the module directory, a .zip or a .tar.gz)`, true);
  if (st.isDirectory()) {
    const files: LocalFile[] = [];
    const ignored: string[] = [];
    await walk(path, '', files, ignored);
    if (files.length === 0) throw new PublishError(`${path}: the directory holds no files`, true);
    return {
      path,
      kind: 'directory',
      files: files.length,
      unpackedBytes: files.reduce((n, f) => n + f.size, 0),
      ignored,
      open: (onBytes) => releaseTarball(files, (n) => onBytes(n)),
    };
  }
  const kind = archiveKind(path);
  if (!st.isFile() || kind === null) throw new PublishError(`${path}: give the module directory, a .zip or a .tar.gz`, true);
  let counted: { files: number; bytes: number };
  try {
    counted = kind === 'zip' ? await countZip(path) : await countTarGz(path);
  } catch (err) {
    throw new PublishError(`${path}: not a readable ${kind}: ${(err as Error).message}`, true);
  }
  return {
    path,
    kind,
    files: counted.files,
    unpackedBytes: counted.bytes,
    uploadBytes: st.size,
    ignored: [],
    open: (onBytes) => {
      const s = createReadStream(path);
      s.on('data', (chunk) => onBytes(chunk.length));
      return s;
    },
  };
}
