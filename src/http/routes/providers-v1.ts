// The provider registry protocol (providers.v1) under /v1/providers/: versions and per-platform download
// metadata with every field Terraform and OpenTofu read (docs/design/protocols.md §4.2, §4.3). download_url,
// shasums_url and shasums_signature_url are absolute signed URLs: clients send no token there (§4.4).
// Both answers are memoized results (src/registry/memoized.ts), serialized once each (JsonBodies), and
// both are hot routes (../hot-routes.ts): the hot lane serves them in front of Hono.
import { Hono } from 'hono';
import { downloadUrl } from './download-url.js';
import type { ProviderPackage, ProviderVersionList } from '../../providers/provider-registry.js';
import type { Services } from '../../providers/services.js';
import type { AppEnv } from '../env.js';
import { mountHotRoutes, render, type HotRoute } from '../pipeline/hot-routes.js';
import { JsonBodies } from '../json.js';

export function providersV1Routes(routes: readonly HotRoute[]): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  mountHotRoutes(app, routes);
  return app;
}

/** `versions` and `download`, as hot routes. */
export function providersV1HotRoutes(services: Services, downloadBase: string): HotRoute[] {
  const versionsBodies = new JsonBodies<ProviderVersionList>((list) =>
    list.warnings.length > 0 ? { versions: list.versions, warnings: list.warnings } : { versions: list.versions },
  );
  const versions: HotRoute = {
    pattern: '/v1/providers/:namespace/:type/versions',
    answer: (p, caller) => render(services.listProviderVersions(p.namespace!, p.type!, caller), (list) => versionsBodies.body(list)),
  };

  const downloadBodies = new JsonBodies<ProviderPackage>((p) => ({
    protocols: p.protocols,
    os: p.os,
    arch: p.arch,
    filename: p.filename,
    download_url: downloadUrl(downloadBase, p.downloads.zip),
    shasums_url: downloadUrl(downloadBase, p.downloads.shasums),
    shasums_signature_url: downloadUrl(downloadBase, p.downloads.signature),
    shasum: p.shasum,
    signing_keys: {
      gpg_public_keys: [
        // trust_signature must stay empty: Terraform checks a non-empty one against HashiCorp's partner key.
        { key_id: p.key.keyId, ascii_armor: p.key.asciiArmor, trust_signature: '', source: '', source_url: null },
      ],
    },
  }));
  const download: HotRoute = {
    pattern: '/v1/providers/:namespace/:type/:version/download/:os/:arch',
    answer: (p, caller) =>
      render(
        services.findProviderPackage({ namespace: p.namespace!, type: p.type!, version: p.version!, os: p.os!, arch: p.arch! }, caller),
        (pkg) => downloadBodies.body(pkg),
      ),
  };

  return [versions, download];
}
