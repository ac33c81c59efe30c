// Reads an uploaded module .tar.gz (spooled to disk) into a PackageTree: file -> gunzip -> byte limit
// (expanded) -> tar-stream. Each admitted file is written to its own temp file under `workDir` (named by
// number, never by the archive's path), capped at its declared size; refused entries are drained. A gzip
// bomb is cut off at the expanded-size limit, before it reaches the disk.
import { createReadStream, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { createRequire } from 'node:module';
import type tar from 'tar-stream';
import { ByteLimit, LimitExceededError } from '../core/byte-limit.js';
import { entryChunks } from '../core/entry-chunks.js';
import type { EntryKind, PackageTree } from './package-tree.js';
import type { ModuleLimits } from './types.js';

/** tar-stream's entry types (its typings list fewer than its headers.js can decode). */
type TarType = string;

const KINDS: Readonly<Record<TarType, EntryKind>> = {
  file: 'file',
  'contiguous-file': 'file',
  directory: 'directory',
  symlink: 'symlink',
  link: 'hardlink',
  'character-device': 'device',
  'block-device': 'device',
  fifo: 'fifo',
};
/** Metadata entries tar-stream may surface; they describe other entries and hold no module content. */
const META: ReadonlySet<TarType> = new Set(['pax-header', 'pax-global-header', 'gnu-long-path', 'gnu-long-link-path']);

async function drain(entry: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of entry) {
    /* discard */
  }
}

/** tar-stream, loaded by the first module upload (.tar.gz): servers that never receive one never load it (bench/findings.md, "Start-up"). */
function tarStream(): typeof tar {
  return createRequire(import.meta.url)('tar-stream') as typeof tar;
}

/** Admits every entry of the .tar.gz at `path` into `tree`, spooling files into `workDir`. */
export async function readTarGzUpload(path: string, workDir: string, tree: PackageTree, limits: ModuleLimits): Promise<void> {
  // Headers and padding come on top of the file contents: 1 KiB per entry is generous for both.
  const expanded = new ByteLimit(limits.maxUnpackedBytes + 1024 * limits.maxEntries + (1 << 20), 'the unpacked archive');
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  const extract = tarStream().extract();
  // Registered before pipeline() adds its own listeners: tells which stage failed first.
  let origin: 'gunzip' | 'tar' | undefined;
  let limit: LimitExceededError | undefined;
  expanded.once('error', (err) => {
    if (err instanceof LimitExceededError) limit ??= err;
  });
  gunzip.once('error', () => (origin ??= 'gunzip'));
  extract.once('error', () => (origin ??= 'tar'));
  const flow = pipeline(createReadStream(path), gunzip, expanded, extract);
  flow.catch(() => undefined); // awaited below; avoids an unhandled rejection while entries are read
  let n = 0;

  try {
    for await (const entry of extract) {
      const h = entry.header;
      const type: TarType = (h.type as TarType | null | undefined) ?? 'file';
      if (META.has(type)) {
        await drain(entry);
        continue;
      }
      const size = h.size ?? 0;
      const kept = tree.admit(h.name, KINDS[type] ?? 'other', size);
      if (kept === null) {
        await drain(entry);
        continue;
      }
      const file = join(workDir, `f${++n}`);
      await pipeline(entryChunks(entry), new ByteLimit(size, kept), createWriteStream(file));
      tree.add({ path: kept, size, executable: ((h.mode ?? 0) & 0o111) !== 0, open: async () => createReadStream(file) });
    }
    await flow;
  } catch (err) {
    // Root cause first: a passed limit makes every later stage fail too.
    if (limit) throw limit;
    if (err instanceof LimitExceededError) throw err;
    if (origin === 'gunzip') tree.unreadable(`the upload is not a complete gzip stream (expected a .tar.gz): ${(err as Error).message}`);
    else if (origin === 'tar')
      tree.unreadable(`the upload is not a valid tar archive inside its gzip compression: ${(err as Error).message}`);
    else throw err;
  } finally {
    extract.destroy();
  }
}
