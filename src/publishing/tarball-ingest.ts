// Streams an uploaded release .tar.gz (docs/design/publishing-baseline.md#bundling-and-uploading) into a CollectedRelease, never
// buffering it: request body -> shield + byte limit (compressed) -> gunzip -> byte limit (expanded) -> tar-stream;
// zips go to the ZipSpool (temp file + background push and inspection), small files are read into memory
// under their own cap, docs are hashed and dropped. Limits are checked while streaming, so a gzip bomb
// is cut off at the expanded-size limit (LimitExceededError -> 413).
//
// Layout decision: entries sit at the tarball root (`tar -czf release.tar.gz terraform-provider-acme_1.0.0_*`,
// docs/design/publishing-baseline.md#bundling-and-uploading), optionally behind "./" or ONE wrapping directory (`tar -czf release.tar.gz dist/`), decided by
// the first entry; docs/ never counts as the wrapper. Per-entry problems (bad name, link, "..", duplicate)
// are collected and the rest of the tarball is still read, so the publisher sees every failed check.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { createRequire } from 'node:module';
import type tar from 'tar-stream';
import { OciError } from '../oci/errors.js';
import { errorCode } from '../oci/network-errors.js';
import { ByteLimit, LimitExceededError, UploadInterruptedError, shieldBody } from '../core/byte-limit.js';
import { classifyReleasePath, emptyRelease, type CollectedRelease } from './release-files.js';
import type { PublishLimits } from './types.js';
import { ZipSpool, type SpoolTarget } from './zip-spool.js';
import { entryChunks } from '../core/entry-chunks.js';

/** A tar-stream entry (a streamx Readable carrying its header). */
type Entry = ReturnType<typeof tar.extract> extends AsyncIterable<infer S> ? S : never;

/** tar-stream, loaded by the first release upload: servers that never receive one never load it (bench/findings.md, "Start-up"). */
function tarStream(): typeof tar {
  return createRequire(import.meta.url)('tar-stream') as typeof tar;
}

export interface TarballInput {
  body: Readable;
  /** The request's Content-Length, when sent: refused up front when over the limit. */
  contentLength?: number;
  target: SpoolTarget;
  limits: PublishLimits;
  /** Called with the spool holding the zips' temp files (the upload lease touches them). */
  onSpool?: (spool: ZipSpool) => void;
}

/** Reads an entry to the end, hashing it; returns its sha256 hex. */
async function drain(entry: Entry): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of entry) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function readSmall(entry: Entry): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of entry) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Tracks the optional wrapping directory, decided by the first entry. */
class ReleaseRoot {
  #root: string | null = null;

  /** The path relative to the release root, or null when outside it. */
  relative(name: string): string | null {
    const n = name.replace(/^(?:\.\/)+/, '');
    if (this.#root === null) {
      const slash = n.indexOf('/');
      const first = slash === -1 ? null : n.slice(0, slash);
      this.#root = first !== null && first !== 'docs' && first !== '.' ? `${first}/` : '';
    }
    return n.startsWith(this.#root) ? n.slice(this.#root.length) : null;
  }

  get name(): string {
    return this.#root ?? '';
  }
}

/** Codes of a connection to the registry that failed (never a problem of the tarball). */
const REGISTRY_NETWORK_CODE =
  /^(?:ECONNRESET|EPIPE|ECONNREFUSED|ECONNABORTED|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|UND_ERR_[A-Z_]+)$/;

/** Tar entry types refused with a message of their own. */
const LINK_TYPES = new Set(['link', 'symlink']);
const SPECIAL_TYPES = new Set(['character-device', 'block-device', 'fifo']);

/**
 * Reads the whole tarball into a CollectedRelease. Throws LimitExceededError when a limit is passed, and
 * store failures as they come; format errors (not gzip, not tar, truncated) become problems.
 */
export async function ingestTarball(input: TarballInput): Promise<CollectedRelease> {
  const { target, limits } = input;
  if (input.contentLength !== undefined && input.contentLength > limits.maxCompressedBytes) {
    throw new LimitExceededError(`the upload is ${input.contentLength} bytes, over the limit of ${limits.maxCompressedBytes} bytes`);
  }
  const release = emptyRelease();
  const spool = new ZipSpool(target);
  input.onSpool?.(spool);
  const root = new ReleaseRoot();
  const seen = new Set<string>();
  let entries = 0;

  const body = shieldBody(input.body, limits.maxCompressedBytes, 'the upload');
  const shield = body.stream;
  const expanded = new ByteLimit(limits.maxUncompressedBytes, 'the unpacked tarball');
  // 1 MiB output chunks: 64 KiB cost 1.6x the CPU per GB (thread-pool round trips, bench/findings.md). With
  // them a limit often fails the flow before a zip entry is read, the case core/entry-chunks.ts handles.
  const gunzip = createGunzip({ chunkSize: 1024 * 1024 });
  const extract = tarStream().extract();
  // Registered before pipeline() adds its own listeners: tells which stage failed first.
  let origin: 'gunzip' | 'tar' | undefined;
  gunzip.once('error', () => (origin ??= 'gunzip'));
  extract.once('error', () => (origin ??= 'tar'));
  const flow = pipeline(shield, gunzip, expanded, extract);
  flow.catch(() => undefined); // awaited below; avoids an unhandled rejection while entries are read

  async function onEntry(entry: Entry): Promise<void> {
    const h = entry.header;
    const raw = h.name;
    const size = h.size ?? 0;
    if (++entries > limits.maxEntries) throw new LimitExceededError(`the tarball holds more than ${limits.maxEntries} entries`);
    if (size > limits.maxEntryBytes)
      throw new LimitExceededError(`${raw} is ${size} bytes, over the per-file limit of ${limits.maxEntryBytes} bytes`);
    const refuse = async (message: string): Promise<void> => {
      release.problems.push(message);
      await drain(entry);
    };
    if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw))
      return refuse(`${raw}: absolute paths are not allowed in the tarball (tarball check)`);
    if (raw.split('/').includes('..')) return refuse(`${raw}: ".." is not allowed in tarball paths (tarball check)`);
    const path = root.relative(raw);
    if (path === null) return refuse(`${raw}: outside the tarball's top-level directory ${root.name} (tarball check)`);
    const type = h.type ?? 'file';
    if (type === 'directory') {
      const dir = path.replace(/\/+$/, '');
      if (dir === '' || dir === 'docs' || dir.startsWith('docs/')) return void (await drain(entry));
      return refuse(
        `${raw}: directory not allowed: release files sit at the root of the tarball (only docs/ may hold files) (tarball check)`,
      );
    }
    if (LINK_TYPES.has(type))
      return refuse(
        `${raw}: ${type === 'link' ? 'hard link' : 'symbolic link'} not allowed: only regular files may be in the tarball (tarball check)`,
      );
    if (SPECIAL_TYPES.has(type))
      return refuse(`${raw}: ${type} entry not allowed: only regular files may be in the tarball (tarball check)`);
    if (type !== 'file' && type !== 'contiguous-file') return refuse(`${raw}: unsupported tar entry type "${type}" (tarball check)`);
    if (path === '') return refuse(`${raw}: empty file name (tarball check)`);
    if (seen.has(path)) return refuse(`${path}: appears more than once in the tarball (tarball check)`);
    seen.add(path);

    const role = classifyReleasePath(path, target.type, target.version, true);
    if (typeof role === 'string') return refuse(role);
    if (role.role === 'zip') {
      // Not the entry itself: see core/entry-chunks.ts (a destroyed entry hung the upload forever).
      await spool.add(entryChunks(entry), { filename: path, os: role.os, arch: role.arch });
      return;
    }
    if (role.role === 'extra' && path.startsWith('docs/')) {
      release.hashes.set(path, await drain(entry));
      return;
    }
    if (size > limits.maxSmallFileBytes) {
      return refuse(`${path}: ${size} bytes, over the limit of ${limits.maxSmallFileBytes} bytes for this file (size limit check)`);
    }
    const bytes = await readSmall(entry);
    release.hashes.set(path, createHash('sha256').update(bytes).digest('hex'));
    const file = { filename: path, bytes };
    if (role.role === 'shasums') release.shasums = file;
    else if (role.role === 'signature') release.signature = file;
    else if (role.role === 'manifest') release.manifests.push(file);
  }

  try {
    try {
      for await (const entry of extract) await onEntry(entry);
      await flow;
    } catch (err) {
      // Root cause first: a passed limit or a dropped client makes every later stage fail too.
      const limit = shield.exceeded ?? expanded.exceeded;
      if (limit) throw limit;
      if (shield.errored instanceof UploadInterruptedError) throw shield.errored;
      if (err instanceof LimitExceededError || err instanceof UploadInterruptedError) throw err;
      // The registry failed while a zip streamed to it: the tar or gzip errors that follow are its doing,
      // not the tarball's (issue 17 item 5: this was reported as "not a valid tar archive").
      if (spool.storeFailure !== undefined) throw spool.storeFailure;
      // A socket error here is the registry's (the client's own end is UploadInterruptedError above).
      if (REGISTRY_NETWORK_CODE.test(errorCode(err) ?? '')) throw err;
      // An error of the registry client (e.g. the push of a zip could not even start: "other side closed"
      // on its POST) reaches here through the tar stream before the spool has recorded it: the registry's.
      if (err instanceof OciError && (err.code === 'UNAVAILABLE' || err.code === 'TIMEOUT')) throw err;
      if (origin === 'gunzip') {
        release.unreadable = `the upload is not a complete gzip stream (expected a .tar.gz): ${(err as Error).message} (tarball check)`;
      } else if (origin === 'tar') {
        release.unreadable = `the upload is not a valid tar archive: ${(err as Error).message} (tarball check)`;
      } else {
        throw err;
      }
    }
    const spooled = await spool.settle();
    release.zips.push(...spooled.zips);
    for (const [name, hex] of spooled.hashes) release.hashes.set(name, hex);
    release.problems.push(...spooled.problems);
    return release;
  } finally {
    body.release();
    await spool.dispose();
  }
}
