// Repacks a checked module into the zip that is stored and served (issue 7): files in byte-wise path order,
// the same timestamp on every entry, modes 0644 / 0755 (execute bit kept), no directory entries (go-getter
// and tofu create parent directories), deflate. The zip goes to a temp file while its sha256 is computed,
// so it is pushed with a known digest and size. Same input files -> same bytes (given the zlib version).
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { ByteLimit } from '../publish/byte-limit.js';
import { Sha256Stream, type Sha256Result } from '../verify/sha256-stream.js';
import type { TreeFile } from './package-tree.js';

/**
 * Midnight 1980-01-01 in LOCAL time: yazl writes DOS timestamps from local-time fields, so this is the
 * same DOS date on every server whatever its time zone (and the earliest DOS date there is).
 */
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);

/** Writes `files` (already sorted) as a zip to `outPath`; returns its digest and size. */
export async function writeModuleZip(files: readonly TreeFile[], outPath: string): Promise<Sha256Result> {
  const zip = new yazl.ZipFile();
  const out = zip.outputStream;
  zip.on('error', (err: Error) => out.destroy(err));
  for (const file of files) {
    zip.addReadStreamLazy(file.path, {
      mtime: FIXED_MTIME,
      forceDosTimestamp: true,
      mode: file.executable ? 0o100755 : 0o100644,
      size: file.size,
      compress: true,
    }, (cb) => {
      file.open().then((stream) => {
        // Errors of the source (a CRC or size mismatch in an uploaded zip) fail the whole zip.
        stream.on('error', (err) => zip.emit('error', err));
        const limited = stream.pipe(new ByteLimit(file.size, file.path));
        limited.on('error', (err) => zip.emit('error', err));
        cb(null, limited);
      }, (err: unknown) => zip.emit('error', err));
    });
  }
  zip.end();
  const hasher = new Sha256Stream({ label: 'the module zip' });
  await pipeline(out, hasher, createWriteStream(outPath));
  return hasher.result();
}
