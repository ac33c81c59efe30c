// The provider registry protocol (providers.v1) under /v1/providers/: versions and per-platform download
// metadata with every field Terraform and OpenTofu read (protocols.md §4.2, §4.3). download_url,
// shasums_url and shasums_signature_url are absolute signed URLs: clients send no token there (§4.4).
// Both answers are memoized results (src/registry/memoized.ts), serialized once each (JsonBodies).
import { Hono } from 'hono';
import type { ProviderPackage, ProviderVersionList } from '../../registry/provider-registry.js';
import type { Services } from '../../registry/services.js';
import type { AppEnv } from '../env.js';
import { JsonBodies, jsonText } from '../json.js';

export function providersV1Routes(services: Services, downloadBase: string): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  const versionsBodies = new JsonBodies<ProviderVersionList>((list) =>
    list.warnings.length > 0 ? { versions: list.versions, warnings: list.warnings } : { versions: list.versions });
  app.get('/v1/providers/:namespace/:type/versions', async (c) => {
    const list = await services.listProviderVersions(c.req.param('namespace'), c.req.param('type'), c.get('caller'));
    return jsonText(c, versionsBodies.text(list));
  });

  const downloadBodies = new JsonBodies<ProviderPackage>((p) => ({
    protocols: p.protocols,
    os: p.os,
    arch: p.arch,
    filename: p.filename,
    download_url: downloadBase + p.downloads.zip,
    shasums_url: downloadBase + p.downloads.shasums,
    shasums_signature_url: downloadBase + p.downloads.signature,
    shasum: p.shasum,
    signing_keys: {
      gpg_public_keys: [
        // trust_signature must stay empty: Terraform checks a non-empty one against HashiCorp's partner key.
        { key_id: p.key.keyId, ascii_armor: p.key.asciiArmor, trust_signature: '', source: '', source_url: null },
      ],
    },
  }));
  app.get('/v1/providers/:namespace/:type/:version/download/:os/:arch', async (c) => {
    const { namespace, type, version, os, arch } = c.req.param();
    const p = await services.findProviderPackage({ namespace, type, version, os, arch }, c.get('caller'));
    return jsonText(c, downloadBodies.text(p));
  });

  return app;
}
