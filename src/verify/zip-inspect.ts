// Inspects a provider zip on disk through its central directory (yauzl, random access): lists the entries,
// refuses unsafe ones, and computes the `h1:` hash exactly as Go's dirhash.HashZip / Hash1 does
// (docs/design/protocols.md §5.3). Also the "holds only the provider binary" policy check of the publish path.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { crc32, createInflateRaw } from 'node:zlib';
import { createRequire } from 'node:module';
import type yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { VerifyError } from './errors.js';

/** One regular file of the zip. */
export interface ZipEntryInfo {
  /** The name exactly as stored (UTF-8), which is what dirhash hashes. */
  name: string;
  size: number;
  /** Lowercase hex sha256 of the uncompressed content. */
  sha256: string;
}

export interface ZipInspection {
  /** In central-directory order. */
  entries: ZipEntryInfo[];
  /** `h1:<base64>` over the entries (Go dirhash Hash1). */
  h1: string;
  /** Sum of the entries' uncompressed sizes. */
  uncompressedBytes: number;
}

export interface ZipInspectOptions {
  /** Default 10 000. */
  maxEntries?: number;
  /** Cap on the total uncompressed content read while hashing (zip bombs). Default 4 GiB. */
  maxUncompressedBytes?: number;
}

/**
 * Go's dirhash Hash1 over (name, sha256 hex) pairs: names sorted byte-wise (UTF-8), one line
 * `<hex>  <name>\n` each (two spaces), `h1:` + std base64 (padded) of the summary's sha256. A name holding
 * `\n` is refused, as Go does. Used for zips (names as stored) and for directories.
 */
export function dirhashH1(entries: Iterable<readonly [name: string, sha256hex: string]>): string {
  const sorted = [...entries]
    .map(([name, hex]) => ({ key: Buffer.from(name, 'utf8'), name, hex }))
    .sort((a, b) => Buffer.compare(a.key, b.key));
  const summary = createHash('sha256');
  for (const { name, hex } of sorted) {
    if (name.includes('\n'))
      throw new VerifyError('UNSAFE_ZIP', `file name ${JSON.stringify(name)} contains a newline; dirhash refuses it`);
    summary.update(`${hex}  ${name}\n`, 'utf8');
  }
  return `h1:${summary.digest('base64')}`;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const UNIX_HOSTS = new Set([3, 19]); // "made by" Unix or OS X: external attributes hold a Unix mode (Go zip.FileHeader.Mode)

/** Checks one central-directory entry; returns its name. */
function checkEntry(entry: Entry, seen: Set<string>): string {
  const raw = entry.fileNameRaw;
  let name: string;
  try {
    name = utf8.decode(raw);
  } catch {
    throw new VerifyError('UNSAFE_ZIP', `entry name ${JSON.stringify(raw.toString('latin1'))} is not UTF-8`);
  }
  const unsafe = (why: string): VerifyError => new VerifyError('UNSAFE_ZIP', `entry ${JSON.stringify(name)}: ${why}`);
  if (name === '') throw unsafe('empty name');
  if (name.endsWith('/')) throw unsafe('directory entries are not allowed (they change the h1 hash, docs/design/protocols.md §5.3)');
  if (name.includes('\\')) throw unsafe('backslash in the name');
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) throw unsafe('absolute path');
  const segments = name.split('/');
  if (segments.includes('..')) throw unsafe('".." path segment');
  if (segments.some((s) => s === '' || s === '.')) throw unsafe('empty or "." path segment');
  if (/[\u0000-\u001f]/.test(name)) throw unsafe('control character in the name');
  const mode = entry.externalFileAttributes >>> 16;
  if (UNIX_HOSTS.has(entry.versionMadeBy >> 8) && (mode & S_IFMT) !== 0 && (mode & S_IFMT) !== S_IFREG) {
    throw unsafe((mode & S_IFMT) === 0o120000 ? 'symbolic links are not allowed' : 'not a regular file');
  }
  if ((entry.externalFileAttributes & 0x10) !== 0) throw unsafe('MS-DOS directory attribute');
  if (entry.isEncrypted()) throw unsafe('encrypted entries are not allowed');
  if (!entry.canDecodeFileData()) throw unsafe(`unsupported compression method ${entry.compressionMethod}`);
  if (seen.has(name)) throw unsafe('the name appears twice');
  seen.add(name);
  return name;
}

/** yauzl, loaded by the first zip inspection (publishing, mirror imports): servers that never receive one never load it (bench/findings.md, "Start-up"). */
function loadYauzl(): typeof yauzl {
  return createRequire(import.meta.url)('yauzl') as typeof yauzl;
}

async function openZip(path: string): Promise<ZipFile> {
  try {
    return await loadYauzl().openPromise(path, { decodeStrings: false, validateEntrySizes: true, strictFileNames: true, autoClose: false });
  } catch (err) {
    if (typeof (err as NodeJS.ErrnoException).code === 'string') throw err; // I/O error, not a format error
    throw new VerifyError('NOT_A_ZIP', `not a zip file: ${(err as Error).message}`, { cause: err });
  }
}

/** Read size for entry data: large reads make inspection of 100 MB provider zips ~3x faster than 16 KiB. */
const READ_CHUNK = 256 * 1024;

/**
 * Reads up to `length` bytes of `path` from `start` (fewer when the file ends) into one reused buffer,
 * handing each filled part to `use`, which must not keep it.
 */
async function readRange(path: string, start: number, length: number, use: (chunk: Buffer) => void): Promise<void> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK * 4, length));
    let done = 0;
    while (done < length) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, length - done), start + done);
      if (bytesRead === 0) return; // the file ends early: the caller's size check names the entry
      use(buf.subarray(0, bytesRead));
      done += bytesRead;
    }
  } finally {
    await fh.close();
  }
}

/**
 * Reads one entry's content, hashing it and checking its size and CRC-32 (as Go's zip reader does). The
 * central directory (yauzl) gives where the data starts; the bytes are read with large chunks straight
 * from the file and inflated with zlib when the entry is deflated.
 */
async function hashEntry(zip: ZipFile, path: string, entry: Entry, name: string, budget: { left: number }): Promise<string> {
  const hash = createHash('sha256');
  let crc = 0;
  let size = 0;
  const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
  if (entry.compressedSize === 0) {
    if (entry.uncompressedSize !== 0)
      throw new VerifyError('CORRUPT_ZIP', `entry ${JSON.stringify(name)}: no data for ${entry.uncompressedSize} bytes`);
    return hash.digest('hex');
  }
  const check = (chunk: Buffer): void => {
    size += chunk.length;
    budget.left -= chunk.length;
    if (budget.left < 0) throw new VerifyError('TOO_LARGE', 'the zip expands past the uncompressed size limit');
    if (size > entry.uncompressedSize)
      throw new VerifyError('CORRUPT_ZIP', `entry ${JSON.stringify(name)}: more data than its recorded size`);
    hash.update(chunk);
    crc = crc32(chunk, crc);
  };
  if (entry.compressionMethod === 0) {
    // Stored (the usual case for already-compressed data): read into one reused buffer, so hashing a
    // 100 MB entry allocates nothing per chunk (no garbage, no fresh pages: bench/findings.md).
    await readRange(path, fileDataStart, entry.compressedSize, check);
  } else {
    const raw = createReadStream(path, {
      start: fileDataStart,
      end: fileDataStart + entry.compressedSize - 1,
      highWaterMark: READ_CHUNK,
    });
    const stream: Readable = raw.pipe(createInflateRaw({ chunkSize: READ_CHUNK }));
    raw.on('error', (err) => stream.destroy(err));
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) check(chunk);
    } finally {
      raw.destroy();
      stream.destroy();
    }
  }
  if (size !== entry.uncompressedSize)
    throw new VerifyError('CORRUPT_ZIP', `entry ${JSON.stringify(name)}: ${size} bytes, its header says ${entry.uncompressedSize}`);
  if (crc >>> 0 !== entry.crc32 >>> 0) throw new VerifyError('CORRUPT_ZIP', `entry ${JSON.stringify(name)}: CRC-32 mismatch`);
  return hash.digest('hex');
}

/**
 * Lists and hashes every entry of the zip at `path`. Refuses (VerifyError) non-zips, directory entries,
 * links, absolute or `..` paths, duplicates, encrypted entries and names that are not UTF-8, so that the
 * `h1:` computed here equals what Go's dirhash.HashZip gives for the same file.
 */
export async function inspectZip(path: string, options: ZipInspectOptions = {}): Promise<ZipInspection> {
  const maxEntries = options.maxEntries ?? 10_000;
  const budget = { left: options.maxUncompressedBytes ?? 4 * 1024 ** 3 };
  const zip = await openZip(path);
  try {
    if (zip.entryCount > maxEntries)
      throw new VerifyError('TOO_LARGE', `the zip has ${zip.entryCount} entries, over the limit of ${maxEntries}`);
    const seen = new Set<string>();
    const entries: ZipEntryInfo[] = [];
    for await (const entry of zip.eachEntry()) {
      const name = checkEntry(entry, seen);
      entries.push({ name, size: entry.uncompressedSize, sha256: await hashEntry(zip, path, entry, name, budget) });
    }
    return {
      entries,
      h1: dirhashH1(entries.map((e) => [e.name, e.sha256] as const)),
      uncompressedBytes: entries.reduce((n, e) => n + e.size, 0),
    };
  } catch (err) {
    if (err instanceof VerifyError || typeof (err as NodeJS.ErrnoException).code === 'string') throw err;
    throw new VerifyError('CORRUPT_ZIP', `damaged zip: ${(err as Error).message}`, { cause: err });
  } finally {
    zip.close();
  }
}

/** The `h1:` hash of the zip at `path` ({@link inspectZip}). */
export async function zipH1(path: string, options?: ZipInspectOptions): Promise<string> {
  return (await inspectZip(path, options)).h1;
}

const EXTRA_FILE_RE = /^(?:LICENSE|LICENCE|README|CHANGELOG)(?:[._-][^/]*)?$/i;

/**
 * Publish policy "the zip holds only the provider binary": exactly one root-level file named
 * `terraform-provider-<type>` or `terraform-provider-<type>_v<version>…` (GoReleaser, e.g. `_v1.2.3_x5`,
 * optionally `.exe`), plus root-level LICENSE*, README*, CHANGELOG* files. Returns the binary's name.
 */
export function checkProviderZipContents(entries: readonly Pick<ZipEntryInfo, 'name'>[], type: string, version?: string): string {
  const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const versionPart = version === undefined ? '[^/]+' : `${esc(version)}(?:_[^/]*)?`;
  const binaryRe = new RegExp(`^terraform-provider-${esc(type)}(?:_v${versionPart})?(?:\\.exe)?$`);
  const binaries = entries.filter((e) => binaryRe.test(e.name)).map((e) => e.name);
  const others = entries.filter((e) => !binaryRe.test(e.name) && !EXTRA_FILE_RE.test(e.name)).map((e) => e.name);
  const want = `terraform-provider-${type}${version === undefined ? '' : `_v${version}`}`;
  if (binaries.length === 0)
    throw new VerifyError('ZIP_POLICY', `the zip holds no provider binary (expected ${want}, optionally with .exe)`);
  if (binaries.length > 1) throw new VerifyError('ZIP_POLICY', `the zip holds several provider binaries: ${binaries.join(', ')}`);
  if (others.length > 0) {
    throw new VerifyError(
      'ZIP_POLICY',
      `the zip holds files other than the provider binary and LICENSE/README/CHANGELOG: ${others.slice(0, 5).join(', ')}`,
    );
  }
  return binaries[0] as string;
}
