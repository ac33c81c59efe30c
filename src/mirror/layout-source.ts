// A provider source over an OCI image-layout directory in this product's layout (docs/mirror.md, air gap):
// what `mirror` imported into a layout store on a connected machine, carried across, is read back here
// with its signed SHA256SUMS, detached signature and key, so the isolated side verifies every release
// again before storing it. Also lists every provider the directory holds.
import { callOpts } from '../core/caller.js';
import { componentToHostname, providerRepository, tagToVersion } from '../layout/names.js';
import { isOciError } from '../oci/errors.js';
import { createLayoutStore } from '../oci/layout-store.js';
import { listLayoutRepositories } from '../oci/layout-store/list-repositories.js';
import { parseDigest } from '../oci/types.js';
import { createReadCaches } from '../read-cache/read-caches.js';
import type { ReadContext } from '../read-cache/read-context.js';
import { readSmallBlob } from '../read-cache/reader.js';
import { formatProviderAddress, packageFilename } from '../upstream/address.js';
import { UpstreamError } from '../upstream/errors.js';
import type { ProviderAddress, ProviderSource, UpstreamPackage, UpstreamRelease } from '../upstream/types.js';
import type { Logger } from 'pino';
import { storedVersion } from './stored.js';

const READER = { principal: 'layout-source' };

export interface LayoutSource extends ProviderSource {
  /** Every provider the directory holds. */
  providers(): Promise<ProviderAddress[]>;
}

export function createLayoutSource(opts: { path: string; prefix: string; logger: Logger }): LayoutSource {
  const store = createLayoutStore({ path: opts.path });
  const ctx: ReadContext = {
    store,
    logger: opts.logger,
    ...createReadCaches({ store, logger: opts.logger, tagsTtlMs: 0, downloadTtl: 60, maxBytes: 16 * 1024 * 1024, now: Date.now }),
  };
  const repo = (a: ProviderAddress) => providerRepository(opts.prefix, a.hostname, a.namespace, a.type);
  const describe = `image layout ${opts.path}`;
  const notFound = (what: string, err?: unknown) =>
    new UpstreamError('NOT_FOUND', `${what} is not in ${describe}`, { location: opts.path, ...(err ? { cause: err } : {}) });

  return {
    describe,

    async providers() {
      const base = opts.prefix === '' ? 'providers' : `${opts.prefix}/providers`;
      const out: ProviderAddress[] = [];
      for (const name of await listLayoutRepositories(opts.path, base)) {
        const parts = name.slice(base.length + 1).split('/');
        if (parts.length !== 3) continue;
        out.push({ hostname: componentToHostname(parts[0]!), namespace: parts[1]!, type: parts[2]! });
      }
      return out;
    },

    async listVersions(address) {
      let tags: string[];
      try {
        tags = await store.listTags(repo(address));
      } catch (err) {
        if (isOciError(err, 'NOT_FOUND')) throw notFound(`provider ${formatProviderAddress(address)}`, err);
        throw err;
      }
      return tags.flatMap((t) => {
        const version = tagToVersion(t);
        return version ? [{ version, platforms: [] }] : [];
      });
    },

    async getRelease(address, version, o = {}): Promise<UpstreamRelease> {
      const repository = repo(address);
      // What is stored, read as the mirror reads its own store (stored.ts).
      const stored = await storedVersion(ctx, repository, version, READER);
      if (!stored) throw notFound(`${formatProviderAddress(address)} ${version}`);
      const platforms: UpstreamPackage[] = stored.platforms
        .filter((p) => !o.platforms || o.platforms.some((w) => w.os === p.os && w.arch === p.arch))
        .map((p) => ({
          os: p.os,
          arch: p.arch,
          filename: p.filename ?? packageFilename(address.type, version, p),
          sha256: p.layer.shasumHex,
          hashes: [`zh:${p.layer.shasumHex}`, ...(p.h1 ? [p.h1] : [])],
          size: p.layer.layer.size,
          location: p.layer.layer.digest,
        }));
      const release: UpstreamRelease = { address, version, protocols: stored.protocols ?? [], platforms };
      if (!stored.signed) return release;
      const { metadata, shasums } = stored.signed;
      const [signature, key] = await Promise.all([
        readSmallBlob(ctx, repository, metadata.signature, READER),
        readSmallBlob(ctx, repository, metadata.publicKey, READER),
      ]);
      return { ...release, shasums, signature, signingKeys: [key.toString('utf8')] };
    },

    async openPackage(address, _version, pkg) {
      if (pkg.location === undefined) throw notFound(pkg.filename);
      const blob = await store.fetchBlob(repo(address), parseDigest(pkg.location), { ...callOpts(READER) });
      return { stream: blob.body, size: blob.size };
    },
  };
}
