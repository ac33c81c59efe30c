// Fetches one platform's package from where a checked release says it is and stores it in OpenTofu's
// layout (src/provider-store/store-mirrored.ts), optionally streaming the same bytes to a client as they
// arrive (pull-through's first download). Nothing is stored unless every byte was checked:
//   source --(sha256 checked at the end: upstream/checksum-stream.ts)--> temp file (+ the client)
//   then: h1 computed from the file (and checked when the source or a lock file gives one), the zip
//   pushed as a blob (digest = the sha256: the store verifies it too), the version's index extended
//   under its tag LAST. A mismatch or a failure deletes the temp file, stores nothing and ends the
//   client's transfer with an error (a truncated download, never a complete-looking one).
// Concurrent fetches of one platform share one upstream transfer (flights keyed by repository, version,
// platform); later callers wait for it and then read the stored blob.
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Transform, type TransformCallback, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../core/app-error.js';
import { callOpts } from '../core/caller.js';
import { Coalesce } from '../core/coalesce.js';
import { SingleFlight } from '../core/lru-cache.js';
import { storeError } from '../core/store-errors.js';
import { Tee } from '../core/tee.js';
import { providerRepository } from '../layout/names.js';
import { MEDIA_TYPE_ZIP } from '../layout/media-types.js';
import { parseDigest } from '../oci/types.js';
import { storeMirroredVersion } from '../provider-store/store-mirrored.js';
import { platformKey } from '../upstream/address.js';
import type { ProviderSource } from '../upstream/types.js';
import { Sha256Stream } from '../verify/sha256-stream.js';
import { zipH1 } from '../verify/zip-inspect.js';
import type { CheckedPackage, CheckedRelease } from './checked-release.js';
import type { MirrorDeps } from './deps.js';
import { toMirrorError } from './errors.js';

export interface FetchedPlatform {
  os: string;
  arch: string;
  sha256: string;
  h1: string;
  size: number;
  /** True when this call stored it; false when it was stored already (or by a concurrent fetch). */
  stored: boolean;
}

/** Writes every chunk to `client` too while the client is there; a client that leaves does not stop the fetch. */
class ClientTap extends Transform {
  #client: Writable | undefined;
  readonly #onBytes: ((bytes: number) => void) | undefined;
  /** Bytes that went through. */
  size = 0;

  constructor(client: Writable | undefined, onBytes: ((bytes: number) => void) | undefined) {
    super({ highWaterMark: 1 << 20 });
    this.#client = client;
    this.#onBytes = onBytes;
    client?.once('close', () => {
      this.#client = undefined;
    });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    this.#onBytes?.(this.size);
    const client = this.#client;
    if (client === undefined || client.destroyed || client.writableEnded) {
      callback(null, chunk);
      return;
    }
    // Backpressure from the client as well: a fetch never buffers more than one chunk ahead of it.
    if (client.write(chunk)) {
      callback(null, chunk);
      return;
    }
    const go = () => {
      client.off('drain', go);
      client.off('close', go);
      callback(null, chunk);
    };
    client.once('drain', go);
    client.once('close', go);
  }

  override _flush(callback: TransformCallback): void {
    this.#client?.end();
    callback();
  }
}

export class PlatformFetcher {
  readonly #deps: MirrorDeps;
  readonly #flight = new SingleFlight();
  /** Names of this process's temp files being written or read: never swept, however old. */
  readonly #inUse: Set<string>;

  constructor(deps: MirrorDeps) {
    this.#deps = deps;
    this.#inUse = deps.tempInUse ?? new Set();
  }

  /** The temp file names this process's fetches are using now (every mirror's, when the set is shared). */
  get inUse(): ReadonlySet<string> {
    return this.#inUse;
  }

  /** The running fetch of this platform in this process, if any. */
  running(release: CheckedRelease, pkg: CheckedPackage): Promise<FetchedPlatform> | undefined {
    return this.#flight.peek(this.key(release, pkg)) as Promise<FetchedPlatform> | undefined;
  }

  /** The flight key of one platform of one version. */
  key(release: CheckedRelease, pkg: CheckedPackage): string {
    const { hostname, namespace, type } = release.address;
    return `${hostname}/${namespace}/${type}@${release.version}/${platformKey(pkg)}`;
  }

  /**
   * Fetches and stores `pkg` of `release` from `source`. `client` (pull-through) receives the bytes as they
   * arrive and is destroyed with the error when the fetch fails; a second caller for the same platform
   * while a fetch runs waits for that one (its client is not fed: it reads the stored blob afterwards).
   */
  fetch(
    source: ProviderSource,
    release: CheckedRelease,
    pkg: CheckedPackage,
    client?: Writable,
    onBytes?: (bytes: number) => void,
    onOpened?: () => void,
  ): Promise<FetchedPlatform> {
    let started = false;
    const p = this.#flight.do(this.key(release, pkg), () => {
      started = true;
      return this.#run(source, release, pkg, client, onBytes, onOpened);
    });
    if (!started && client) client.destroy(new AppError('CONFLICT', 'the package is being fetched by another request; retry'));
    return started ? p : p.then((r) => ({ ...r, stored: false }));
  }

  async #run(
    source: ProviderSource,
    release: CheckedRelease,
    pkg: CheckedPackage,
    client: Writable | undefined,
    onBytes: ((bytes: number) => void) | undefined,
    onOpened?: () => void,
  ): Promise<FetchedPlatform> {
    const deps = this.#deps;
    const { address, version } = release;
    const repository = providerRepository(deps.prefix, address.hostname, address.namespace, address.type);
    await mkdir(deps.tmpDir, { recursive: true });
    const name = `mirror-${randomUUID()}.zip`;
    const file = join(deps.tmpDir, name);
    this.#inUse.add(name);
    try {
      let body: Awaited<ReturnType<ProviderSource['openPackage']>>;
      try {
        body = await source.openPackage(address, version, pkg);
      } catch (err) {
        throw toMirrorError(err, source.describe);
      }
      onOpened?.();
      const tap = new ClientTap(client, onBytes);
      const hasher = new Sha256Stream();
      // With the digest known (always, for signed releases), the zip is pushed to the store WHILE it streams
      // to the temp file: the registry checks the digest itself, an unverified blob is never tagged (the
      // index is written last), and the push costs no second read of the file.
      const expected = pkg.sha256?.toLowerCase();
      let pushing: Promise<unknown> | undefined;
      // 1 MiB buffered: network chunks reach the disk in writev batches (bench/findings.md, pull-through).
      let sink: Writable = createWriteStream(file, { highWaterMark: 1 << 20 });
      if (expected !== undefined) {
        const upload = new PassThrough({ highWaterMark: 1 << 20 });
        pushing = deps.store
          .pushBlob(repository, upload, {
            ...callOpts(deps.writer),
            digest: parseDigest(`sha256:${expected}`),
            ...(body.size !== undefined ? { size: body.size } : {}),
          })
          // The store may skip an upload it already has without reading: drain what is still sent.
          .finally(() => upload.resume());
        pushing.catch(() => undefined);
        sink = new Tee(sink, upload);
      }
      try {
        // The bytes are hashed here only when no sha256 is known: otherwise the source's stream checks
        // them (upstream/checksum-stream.ts) and the store checks the digest of the push again.
        // Joined chunks: the reads of a TLS body are 16-64 KiB, and each passes every stage below once.
        await (expected === undefined
          ? pipeline(body.stream, new Coalesce(), tap, hasher, sink)
          : pipeline(body.stream, new Coalesce(), tap, sink));
      } catch (err) {
        throw toMirrorError(err, source.describe);
      }
      const { hex, size } = expected === undefined ? hasher.result() : { hex: expected, size: tap.size };
      if (pkg.sha256 !== undefined && pkg.sha256.toLowerCase() !== hex) {
        throw new AppError(
          'UPSTREAM_CHECKSUM_MISMATCH',
          `${pkg.filename} from ${source.describe}: sha256 is ${hex}, the verified release says ${pkg.sha256}`,
        );
      }
      let h1: string;
      try {
        h1 = await zipH1(file);
      } catch (err) {
        throw new AppError('UPSTREAM_ERROR', `${pkg.filename} from ${source.describe} is not a usable zip: ${(err as Error).message}`, {
          cause: err,
        });
      }
      const h1s = pkg.hashes.filter((h) => h.startsWith('h1:'));
      if (h1s.length > 0 && !h1s.includes(h1)) {
        throw new AppError(
          'UPSTREAM_CHECKSUM_MISMATCH',
          `${pkg.filename} from ${source.describe}: h1 hash is ${h1}, expected ${h1s.join(' or ')}`,
        );
      }
      const digest = parseDigest(`sha256:${hex}`);
      try {
        await (pushing ?? deps.store.pushBlob(repository, createReadStream(file), { ...callOpts(deps.writer), digest, size }));
      } catch (err) {
        throw storeError(err, deps);
      }
      const result = await storeMirroredVersion(
        deps,
        {
          repository,
          type: address.type,
          version,
          protocols: release.protocols,
          platforms: [{ os: pkg.os, arch: pkg.arch, filename: pkg.filename, zip: { mediaType: MEDIA_TYPE_ZIP, digest, size }, h1 }],
          ...(release.signed ? { signed: release.signed } : {}),
          source: address.hostname,
        },
        deps.writer,
      );
      deps.logger.info(
        {
          provider: `${address.hostname}/${address.namespace}/${address.type}`,
          version,
          platform: platformKey(pkg),
          sha256: hex,
          size,
          source: source.describe,
        },
        result.added.length > 0 ? 'mirrored a provider package' : 'provider package was already mirrored',
      );
      return { os: pkg.os, arch: pkg.arch, sha256: hex, h1, size, stored: result.added.length > 0 };
    } catch (err) {
      client?.destroy(err as Error);
      throw err;
    } finally {
      await rm(file, { force: true });
      this.#inUse.delete(name);
    }
  }
}
