// Repacks a checked module into the zip that is stored and served: files in byte-wise path order,
// the same timestamp on every entry, modes 0644 / 0755 (execute bit kept), no directory entries (go-getter
// and tofu create parent directories), deflate. The zip goes to a temp file while its sha256 is computed,
// so it is pushed with a known digest and size. Same input files -> same bytes (given the zlib version).
import { createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createRequire } from 'node:module';
import type yazl from 'yazl';
import { ByteLimit } from '../core/byte-limit.js';
import { Sha256Stream, type Sha256Result } from '../verify/sha256-stream.js';
import type { TreeFile } from './package-tree.js';

/**
 * Midnight 1980-01-01 in LOCAL time: yazl writes DOS timestamps from local-time fields, so this is the
 * same DOS date on every server whatever its time zone (and the earliest DOS date there is).
 */
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);

/** yazl, loaded by the first module zip written: servers that never write one never load it (bench/findings.md, "Start-up"). */
function loadYazl(): typeof yazl {
  return createRequire(import.meta.url)('yazl') as typeof yazl;
}

/** Reading one of the module's files failed (a damaged or lying upload, or a temp-file I/O error). */
export class EntryReadError extends Error {
  override readonly name = 'EntryReadError';
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(`${path}: ${(cause as Error).message}`, { cause });
  }
}

/** Writes `files` (already sorted) as a zip to `outPath`; returns its digest and size. */
export async function writeModuleZip(files: readonly TreeFile[], outPath: string): Promise<Sha256Result> {
  const zip = new (loadYazl().ZipFile)();
  // yazl types it as NodeJS.ReadableStream; it is a PassThrough.
  const out = zip.outputStream as Readable;
  zip.on('error', (err: Error) => out.destroy(err));
  for (const file of files) {
    zip.addReadStreamLazy(
      file.path,
      {
        mtime: FIXED_MTIME,
        forceDosTimestamp: true,
        mode: file.executable ? 0o100755 : 0o100644,
        size: file.size,
        compress: true,
      },
      (cb) => {
        const fail = (err: unknown): void => void zip.emit('error', new EntryReadError(file.path, err));
        file.open().then((stream) => {
          // Errors of the source (a CRC or size mismatch in an uploaded zip) fail the whole zip.
          stream.on('error', fail);
          const limited = stream.pipe(new ByteLimit(file.size, `${file.path} (declared ${file.size} bytes)`));
          limited.on('error', fail);
          cb(null, limited);
        }, fail);
      },
    );
  }
  zip.end();
  const hasher = new Sha256Stream({ label: 'the module zip' });
  await pipeline(out, hasher, createWriteStream(outPath));
  return hasher.result();
}
