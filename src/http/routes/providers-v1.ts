// The provider registry protocol (providers.v1) under /v1/providers/: versions and per-platform download
// metadata with every field Terraform and OpenTofu read (protocols.md §4.2, §4.3). download_url,
// shasums_url and shasums_signature_url are absolute signed URLs: clients send no token there (§4.4).
import { Hono } from 'hono';
import type { Services } from '../../registry/services.js';
import type { AppEnv } from '../env.js';
import { jsonResponse } from '../json.js';

export function providersV1Routes(services: Services, downloadBase: string): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/v1/providers/:namespace/:type/versions', async (c) => {
    const list = await services.listProviderVersions(c.req.param('namespace'), c.req.param('type'), c.get('caller'));
    const body: Record<string, unknown> = { versions: list.versions };
    if (list.warnings.length > 0) body.warnings = list.warnings;
    return jsonResponse(c, body);
  });

  app.get('/v1/providers/:namespace/:type/:version/download/:os/:arch', async (c) => {
    const p = await services.findProviderPackage(
      {
        namespace: c.req.param('namespace'),
        type: c.req.param('type'),
        version: c.req.param('version'),
        os: c.req.param('os'),
        arch: c.req.param('arch'),
      },
      c.get('caller'),
    );
    return jsonResponse(c, {
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
    });
  });

  return app;
}
