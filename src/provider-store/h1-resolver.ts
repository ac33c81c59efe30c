// Computes the `h1:` hash of a provider zip that was pushed without one (e.g. by ORAS): streams the blob
// to a temporary file, hashes its entries (Go dirhash over the zip, docs/design/protocols.md §5.3), and caches the
// result by the blob's digest (immutable). Concurrent requests for one digest share the work.
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { Descriptor } from '../oci/types.js';
import { zipH1 } from '../verify/zip-inspect.js';
import { callOpts, type Caller } from '../core/caller.js';
import type { ReadContext } from '../read-cache/read-context.js';

/** Largest zip we download only to hash it. */
const MAX_HASHED_ZIP = 2 * 1024 * 1024 * 1024;

/** The zip's h1 hash, or undefined when it cannot be computed (then only zh: is served). */
export async function resolveH1(
  deps: ReadContext & { tmpDir: string },
  repository: string,
  zip: Descriptor,
  caller: Caller,
): Promise<string | undefined> {
  const ckey = `h1|${zip.digest}`;
  const cached = deps.content.get<string>(ckey);
  if (cached) return cached;
  if (zip.size > MAX_HASHED_ZIP) return undefined;
  return deps.flight.do(ckey, async () => {
    await mkdir(deps.tmpDir, { recursive: true });
    const file = join(deps.tmpDir, `h1-${randomUUID()}.zip`);
    try {
      const blob = await deps.store.fetchBlob(repository, zip.digest, callOpts(caller));
      await pipeline(blob.body, createWriteStream(file, { highWaterMark: 1 << 20 }));
      const h1 = await zipH1(file);
      deps.content.set(ckey, h1, 128);
      return h1;
    } catch (err) {
      deps.logger.warn({ err, digest: zip.digest }, 'could not compute h1 hash; serving zh: only');
      return undefined;
    } finally {
      await rm(file, { force: true });
    }
  });
}
