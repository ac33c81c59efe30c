// Reads an uploaded module .zip (already spooled to disk: yauzl needs random access) into a PackageTree.
// Only the central directory is read here; file contents are opened later, one at a time, by the zip
// writer. yauzl's validateEntrySizes fails a stream whose data does not match the declared size, so the
// declared sizes the limits were checked against cannot be exceeded (a zip bomb is refused up front).
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { crc32 } from 'node:zlib';
import { createRequire } from 'node:module';
import type yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { LimitExceededError } from '../core/byte-limit.js';
import type { EntryKind, PackageTree } from './package-tree.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const S_IFMT = 0o170000;
/** "Made by" Unix or OS X: the high 16 bits of the external attributes hold a Unix mode. */
const UNIX_HOSTS = new Set([3, 19]);

function kindOf(entry: Entry, name: string): EntryKind {
  const unixMode = UNIX_HOSTS.has(entry.versionMadeBy >> 8) ? entry.externalFileAttributes >>> 16 : 0;
  switch (unixMode & S_IFMT) {
    case 0o120000:
      return 'symlink';
    case 0o020000:
    case 0o060000:
      return 'device';
    case 0o010000:
      return 'fifo';
    case 0o140000:
      return 'other';
    case 0o040000:
      return 'directory';
    default:
      return name.endsWith('/') || (entry.externalFileAttributes & 0x10) !== 0 ? 'directory' : 'file';
  }
}

/** yauzl, loaded by the first module upload (.zip): servers that never receive one never load it (bench/findings.md, "Start-up"). */
function loadYauzl(): typeof yauzl {
  return createRequire(import.meta.url)('yauzl') as typeof yauzl;
}

/** Checks an entry's CRC-32 at its end, as Go's zip reader does (yauzl only checks sizes). */
class Crc32Check extends Transform {
  #crc = 0;
  constructor(private readonly expected: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.#crc = crc32(chunk, this.#crc);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    callback(this.#crc >>> 0 === this.expected >>> 0 ? null : new Error("CRC-32 mismatch: the entry's data is damaged"));
  }
}

async function openChecked(zip: ZipFile, entry: Entry): Promise<Readable> {
  const raw = await zip.openReadStreamPromise(entry);
  const check = new Crc32Check(entry.crc32);
  raw.on('error', (err) => check.destroy(err));
  return raw.pipe(check);
}

function executable(entry: Entry): boolean {
  return UNIX_HOSTS.has(entry.versionMadeBy >> 8) && ((entry.externalFileAttributes >>> 16) & 0o111) !== 0;
}

/**
 * Admits every entry of the zip at `path` into `tree`. Returns the open zip (its files' `open()` read from
 * it): close it when done. A file that is not a readable zip becomes a problem, not an exception.
 */
export async function readZipUpload(path: string, tree: PackageTree): Promise<ZipFile | null> {
  let zip: ZipFile;
  try {
    zip = await loadYauzl().openPromise(path, { decodeStrings: false, validateEntrySizes: true, strictFileNames: false, autoClose: false });
  } catch (err) {
    if (typeof (err as NodeJS.ErrnoException).code === 'string') throw err;
    tree.unreadable(`the upload is not a readable zip archive: ${(err as Error).message}`);
    return null;
  }
  try {
    for await (const entry of zip.eachEntry()) admitEntry(zip, entry, tree);
    return zip;
  } catch (err) {
    zip.close();
    if (err instanceof LimitExceededError || typeof (err as NodeJS.ErrnoException).code === 'string') throw err;
    tree.unreadable(`the zip archive is damaged: ${(err as Error).message}`);
    return null;
  }
}

function admitEntry(zip: ZipFile, entry: Entry, tree: PackageTree): void {
  let name: string;
  try {
    name = utf8.decode(entry.fileNameRaw);
  } catch {
    tree.problem(`${JSON.stringify(entry.fileNameRaw.toString('latin1'))}: the entry name is not UTF-8`);
    return;
  }
  const kind = kindOf(entry, name);
  const path = tree.admit(name, kind, entry.uncompressedSize);
  if (path === null) return;
  if (entry.isEncrypted()) {
    tree.problem(`${path}: encrypted entries are not allowed`);
    return;
  }
  if (!entry.canDecodeFileData()) {
    tree.problem(`${path}: unsupported compression method ${entry.compressionMethod} (use deflate or store)`);
    return;
  }
  tree.add({
    path,
    size: entry.uncompressedSize,
    executable: executable(entry),
    open: () => openChecked(zip, entry),
  });
}
