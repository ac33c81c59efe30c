// Atomic file writes for the image-layout store: content goes to a temp file in the target's
// directory and is renamed into place, so readers see the old file or the new one, never a partial
// one. Blobs are hashed and counted while they stream into the temp file and only renamed to their
// digest once verified. Also a per-key promise chain that serializes index.json updates in-process.
import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DigestCounter, type ContentLimits } from '../store-support.js';
import type { Digest } from '../types.js';

/** Writes `data` to `path` atomically (temp file + rename). */
export async function writeFileAtomic(path: string, data: string | Buffer): Promise<void> {
  const tmp = join(dirname(path), `.${randomUUID()}.tmp`);
  try {
    await writeFile(tmp, data, { flag: 'wx' });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Streams `source` into `dir/.tmp-<uuid>` while hashing, checks the limits, then renames the file to
 * `dir/<hex>`. Returns digest and size. The temp file is removed on any failure.
 */
export async function writeBlobStream(
  dir: string,
  source: Readable,
  limits: ContentLimits,
  signal?: AbortSignal,
): Promise<{ digest: Digest; size: number }> {
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.tmp-${randomUUID()}`);
  const counter = new DigestCounter(limits);
  // Open before streaming: a lazily opened write stream could create the file after the cleanup below.
  const handle = await open(tmp, 'wx');
  try {
    // 1 MiB buffered before write() pushes back: queued chunks go to disk in one writev, not one write per
    // 16 KiB network chunk (bench/findings.md, pull-through).
    const sink = handle.createWriteStream({ highWaterMark: 1 << 20 });
    if (signal) await pipeline(source, counter, sink, { signal });
    else await pipeline(source, counter, sink);
    const digest = counter.digest as Digest;
    await rename(tmp, join(dir, digest.slice('sha256:'.length)));
    return { digest, size: counter.size };
  } catch (err) {
    await rm(tmp, { force: true });
    throw counter.failure ?? err;
  }
}

/** Serializes async work per key (e.g. index.json updates of one repository) within this process. */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return next;
  }
}
