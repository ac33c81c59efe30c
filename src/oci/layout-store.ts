// The local OciStore: OCI image-layout directories on disk, the embedded default store (`npm start`
// without configuration serves from ./data). The image-layout spec has one index.json per layout, so
// every repository is its own layout directory at <root>/<repository>/ (picture in
// layout-store/paths.ts); tags are index.json entries annotated org.opencontainers.image.ref.name.
// Writes are atomic (temp file + rename; blobs are hashed while they stream into the temp file and
// renamed to their digest only when digest and size check out); index.json updates are serialized per
// repository within this process (one process owns a data directory). What is read is verified too.
// Reference: https://github.com/opencontainers/image-spec/blob/v1.1.1/image-layout.md
import { listLayoutRepositories } from './layout-store/list-repositories.js';
import { createReadStream } from 'node:fs';
import { access, constants, link, mkdir, readFile, stat, unlink, utimes } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { OciError } from './errors.js';
import { KeyedLock, writeBlobStream, writeFileAtomic } from './layout-store/files.js';
import { DEFAULT_GC_GRACE_SECONDS, sweepRepository } from './layout-store/gc.js';
import {
  emptyIndex,
  ensureLayout,
  findEntry,
  readIndex,
  removeDigest,
  setManifest,
  tagsOf,
  writeIndex,
} from './layout-store/index-file.js';
import { blobPath, blobsDir, repositoryDir } from './layout-store/paths.js';
import type { BlobPushOptions, CallOptions, FetchedBlob, FetchedManifest, OciStore } from './store.js';
import { blobChecker, checkBuffer, manifestReferences, sha256Digest, validateDigest, validateReference } from './store-support.js';
import { MAX_MANIFEST_BYTES, isDigest, type Descriptor } from './types.js';

/** The largest read of a blob file: one chunk of a streamed download. */
const FILE_READ_BYTES = 1024 * 1024;

export interface LayoutStoreOptions {
  /** Root directory; created on first write. */
  path: string;
  /**
   * Grace period (ms) of the space reclamation after a version delete (layout-store/gc.ts): blobs younger
   * than this are kept. Default DEFAULT_GC_GRACE_SECONDS.
   */
  gcGraceMs?: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

/** Manifests referencing at least this much (or an index) reclaim space when deleted; smaller ones wait for `gc`. */
const RECLAIM_MIN_BYTES = 1024 * 1024;

const OCTET_STREAM = 'application/octet-stream';

function isErrno(err: unknown, ...codes: string[]): boolean {
  return typeof err === 'object' && err !== null && codes.includes(String((err as { code?: unknown }).code));
}

async function blobSize(path: string): Promise<number | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : null;
  } catch (err) {
    if (isErrno(err, 'ENOENT', 'ENOTDIR')) return null;
    throw err;
  }
}

/** True for an index, or a manifest whose layers add up to RECLAIM_MIN_BYTES. */
function worthReclaiming(bytes: Buffer): boolean {
  try {
    const m = JSON.parse(bytes.toString('utf8')) as { manifests?: unknown; layers?: { size?: unknown }[] };
    if (Array.isArray(m.manifests)) return true;
    const total = (Array.isArray(m.layers) ? m.layers : []).reduce((n, l) => n + (typeof l?.size === 'number' ? l.size : 0), 0);
    return total >= RECLAIM_MIN_BYTES;
  } catch {
    return false;
  }
}

/** Creates a store over image-layout directories under `opts.path`. */
export function createLayoutStore(opts: LayoutStoreOptions): OciStore {
  const root = resolve(opts.path);
  const lock = new KeyedLock();
  const graceMs = opts.gcGraceMs ?? DEFAULT_GC_GRACE_SECONDS * 1000;
  const now = opts.now ?? (() => Date.now());

  /**
   * A push that finds its blob already there marks it as just used: its mtime is what the space
   * reclamation's grace period protects (layout-store/gc.ts), and a publish in progress relies on it.
   */
  async function touch(path: string): Promise<void> {
    const t = new Date(now());
    await utimes(path, t, t).catch(() => undefined);
  }

  async function loadManifest(repository: string, reference: string, o?: CallOptions): Promise<FetchedManifest> {
    o?.signal?.throwIfAborted();
    validateReference(reference);
    const dir = repositoryDir(root, repository);
    const index = await readIndex(dir);
    const entry = index && findEntry(index, reference);
    if (!entry) throw new OciError('NOT_FOUND', `manifest ${repository}:${reference} not found`);
    let bytes: Buffer;
    try {
      bytes = await readFile(blobPath(dir, entry.digest));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw new OciError('NOT_FOUND', `manifest ${repository}@${entry.digest} has no blob`);
      throw err;
    }
    if (bytes.length !== entry.size || sha256Digest(bytes) !== entry.digest) {
      throw new OciError('DIGEST_MISMATCH', `manifest blob ${entry.digest} in ${dir} is corrupt`);
    }
    return { descriptor: { mediaType: entry.mediaType, digest: entry.digest, size: entry.size }, bytes };
  }

  async function pushBlob(repository: string, source: Readable | Buffer, o: BlobPushOptions = {}): Promise<Descriptor> {
    o.signal?.throwIfAborted();
    const dir = repositoryDir(root, repository);
    if (o.digest !== undefined) validateDigest(o.digest);
    if (Buffer.isBuffer(source)) {
      const { digest, size } = checkBuffer(source, o);
      await ensureLayout(dir);
      if ((await blobSize(blobPath(dir, digest))) === null) await writeFileAtomic(blobPath(dir, digest), source);
      else await touch(blobPath(dir, digest));
      return { mediaType: OCTET_STREAM, digest, size };
    }
    if (o.digest !== undefined) {
      const existing = await blobSize(blobPath(dir, o.digest));
      if (existing !== null && (o.size === undefined || o.size === existing)) {
        source.destroy();
        await touch(blobPath(dir, o.digest));
        return { mediaType: OCTET_STREAM, digest: o.digest, size: existing };
      }
    }
    await ensureLayout(dir);
    const { digest, size } = await writeBlobStream(blobsDir(dir), source, o, o.signal);
    return { mediaType: OCTET_STREAM, digest, size };
  }

  async function pushManifest(
    repository: string,
    reference: string,
    bytes: Buffer,
    mediaType: string,
    o?: CallOptions,
  ): Promise<Descriptor> {
    o?.signal?.throwIfAborted();
    validateReference(reference);
    const dir = repositoryDir(root, repository);
    if (bytes.length > MAX_MANIFEST_BYTES) throw new OciError('TOO_LARGE', `manifest of ${bytes.length} bytes exceeds 4 MiB`);
    const digest = sha256Digest(bytes);
    if (isDigest(reference) && reference !== digest) throw new OciError('DIGEST_MISMATCH', `manifest hashes to ${digest}`);
    const refs = manifestReferences(bytes);
    for (const d of refs.blobs) {
      if ((await blobSize(blobPath(dir, d))) === null) throw new OciError('INVALID', `manifest references unknown blob ${d}`);
    }
    const desc: Descriptor = { mediaType, digest, size: bytes.length };
    await ensureLayout(dir);
    // Under the lock, so that a concurrent delete of the same manifest cannot unlink the blob in between.
    await lock.run(dir, async () => {
      if ((await blobSize(blobPath(dir, digest))) === null) await writeFileAtomic(blobPath(dir, digest), bytes);
      else await touch(blobPath(dir, digest));
      const index = (await readIndex(dir)) ?? emptyIndex();
      for (const d of refs.manifests) {
        // An entry whose blob `gc` removed (an old untagged manifest) is unknown too.
        if (!findEntry(index, d) || (await blobSize(blobPath(dir, d))) === null) {
          throw new OciError('INVALID', `index references unknown manifest ${d}`);
        }
      }
      await writeIndex(dir, setManifest(index, desc, isDigest(reference) ? undefined : reference));
    });
    return desc;
  }

  return {
    describe: `oci-layout:${root}`,

    async listRepositories(under, o) {
      o?.signal?.throwIfAborted();
      return listLayoutRepositories(root, under);
    },

    async ping(o) {
      o?.signal?.throwIfAborted();
      await mkdir(root, { recursive: true });
      await access(root, constants.R_OK | constants.W_OK);
    },

    async listTags(repository, o) {
      o?.signal?.throwIfAborted();
      const index = await readIndex(repositoryDir(root, repository));
      if (!index) throw new OciError('NOT_FOUND', `repository ${repository} not found`);
      return tagsOf(index);
    },

    async resolveManifest(repository, reference, o) {
      return (await loadManifest(repository, reference, o)).descriptor;
    },

    fetchManifest: loadManifest,
    pushManifest,

    async deleteManifest(repository, digest, o) {
      o?.signal?.throwIfAborted();
      validateDigest(digest);
      const dir = repositoryDir(root, repository);
      await lock.run(dir, async () => {
        const index = await readIndex(dir);
        const result = index && removeDigest(index, digest);
        if (!result || result.removed === 0) throw new OciError('NOT_FOUND', `manifest ${repository}@${digest} not found`);
        await writeIndex(dir, result.index);
        const bytes = await readFile(blobPath(dir, digest)).catch(() => undefined);
        await unlink(blobPath(dir, digest)).catch(() => undefined);
        // A deleted version gives its space back at once (what no other manifest uses and is older than
        // the grace period); small manifests (records) wait for `tf-oci-registry gc`.
        if (bytes && worthReclaiming(bytes)) await sweepRepository(dir, { graceMs, now: now(), pruneIndex: true });
      });
    },

    async statBlob(repository, digest, o) {
      o?.signal?.throwIfAborted();
      validateDigest(digest);
      const size = await blobSize(blobPath(repositoryDir(root, repository), digest));
      return size === null ? null : { size };
    },

    async fetchBlob(repository, digest, o): Promise<FetchedBlob> {
      o?.signal?.throwIfAborted();
      validateDigest(digest);
      const path = blobPath(repositoryDir(root, repository), digest);
      const size = await blobSize(path);
      if (size === null) throw new OciError('NOT_FOUND', `blob ${repository}@${digest} not found`);
      // Reads of up to 1 MiB (bench/findings.md: 64 KiB reads cost 1.3 CPU-s per GB served, 1 MiB 0.5), never
      // larger than the blob: a read buffer lives as long as any slice of it (cached metadata blobs).
      const file = createReadStream(path, { highWaterMark: Math.max(1, Math.min(FILE_READ_BYTES, size)) });
      const counter = blobChecker(size, digest, o?.verify);
      file.on('error', (err) => counter.destroy(err));
      counter.on('close', () => file.destroy());
      return { size, digest, body: file.pipe(counter) };
    },

    async blobRedirect(repository, digest, o) {
      o?.signal?.throwIfAborted();
      validateDigest(digest);
      if ((await blobSize(blobPath(repositoryDir(root, repository), digest))) === null) {
        throw new OciError('NOT_FOUND', `blob ${repository}@${digest} not found`);
      }
      return null;
    },

    // Download offload: the blob's file under the directory, for a front proxy serving that directory.
    async blobLocation(repository, digest, o) {
      o?.signal?.throwIfAborted();
      validateDigest(digest);
      if ((await blobSize(blobPath(repositoryDir(root, repository), digest))) === null) {
        throw new OciError('NOT_FOUND', `blob ${repository}@${digest} not found`);
      }
      return { path: `${repository}/blobs/sha256/${digest.slice('sha256:'.length)}`, authorization: null };
    },

    pushBlob,

    async mountBlob(repository, digest, fromRepository, o) {
      o?.signal?.throwIfAborted();
      validateDigest(digest);
      const source = blobPath(repositoryDir(root, fromRepository), digest);
      const dir = repositoryDir(root, repository);
      if ((await blobSize(source)) === null) return false;
      await ensureLayout(dir);
      const target = blobPath(dir, digest);
      if ((await blobSize(target)) === null) {
        try {
          await link(source, target);
        } catch (err) {
          // No hard links here (another filesystem, or not supported): stream a verified copy instead.
          if (!isErrno(err, 'EEXIST')) await writeBlobStream(blobsDir(dir), createReadStream(source), { digest }, o?.signal);
        }
      }
      await touch(target); // a hard link keeps the source's (old) mtime: the grace period must see it as new
      return true;
    },

    async deleteBlob(repository, digest, o) {
      o?.signal?.throwIfAborted();
      validateDigest(digest);
      try {
        await unlink(blobPath(repositoryDir(root, repository), digest));
      } catch (err) {
        if (isErrno(err, 'ENOENT', 'ENOTDIR')) throw new OciError('NOT_FOUND', `blob ${repository}@${digest} not found`);
        throw err;
      }
    },
  };
}
