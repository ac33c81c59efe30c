// The release .tar.gz the upload URL takes, made on the fly: the files at the tarball root, each streamed
// from disk into tar-stream and gzip, so memory stays flat whatever the size of the zips. Reports the
// bytes read from each file (the progress of the upload, since gzip of zips is about their size).
import { createReadStream } from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import type { LocalFile } from './release-directory.js';

/** A gzip-compressed tar of `files` (names at the root); `onBytes` is called as file bytes are read. */
export function releaseTarball(files: readonly LocalFile[], onBytes: (bytes: number, file: LocalFile) => void): Readable {
  const pack = tar.pack();
  // Zips are already compressed: the fastest level keeps the CPU off the critical path.
  const gzip = createGzip({ level: 1 });
  const out = new PassThrough();
  const feed = async (): Promise<void> => {
    for (const file of files) {
      // The upload failed (the server refused it, the connection dropped): an entry of a destroyed pack is
      // a destroyed streamx stream, which Node's pipeline() would wait on forever (core/entry-chunks.ts).
      if (pack.destroyed) return;
      const entry = pack.entry({ name: file.filename, size: file.size, mode: 0o644, mtime: new Date(0), type: 'file' });
      const source = createReadStream(file.path);
      source.on('data', (chunk) => onBytes(chunk.length, file));
      await pipeline(source, entry);
    }
    pack.finalize();
  };
  Promise.all([feed(), pipeline(pack, gzip, out)]).catch((err: unknown) => {
    pack.destroy(err as Error);
    out.destroy(err as Error);
  });
  return out;
}
