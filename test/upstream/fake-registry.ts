// A providers.v1 registry (discovery, versions, download metadata, files) over a FixtureRelease, with knobs
// for the failure cases the upstream tests need: tampered zips, wrong shasums, absolute/relative URLs.
import type { ServerResponse } from 'node:http';
import { type FixtureRelease, type Handler, notFound, sendBytes, sendJson } from './fixtures.js';

export interface FakeRegistryOptions {
  release: FixtureRelease;
  namespace?: string;
  /** "providers.v1" value in the discovery document. Default "/v1/providers/". */
  providersV1?: string;
  /** Absolute origin for download_url (a "CDN"); default a root-relative URL on the registry itself. */
  downloadOrigin?: string;
  /** Serve these bytes instead of the signed zip, by filename. */
  zipOverride?: Record<string, Buffer>;
  /** `shasum` the download endpoint states, by filename. */
  shasumOverride?: Record<string, string>;
  /** Serve this signature instead of the release's. */
  signature?: Buffer;
  /** Serve this SHA256SUMS instead of the release's. */
  shasums?: Buffer;
  /** Keys offered in signing_keys. Default: the release's key. */
  keys?: string[];
}

/** Serves /files/<name> (anywhere in the path) from the release. */
export function fileServer(o: FakeRegistryOptions): (path: string, res: ServerResponse) => boolean {
  const r = o.release;
  return (path, res) => {
    const m = /\/files\/([^/?]+)$/.exec(path);
    if (!m) return false;
    const name = decodeURIComponent(m[1] as string);
    const zip = r.zips.find((z) => z.filename === name);
    if (zip) sendBytes(res, o.zipOverride?.[name] ?? zip.bytes);
    else if (name === `terraform-provider-${r.type}_${r.version}_SHA256SUMS`) sendBytes(res, o.shasums ?? r.shasums);
    else if (name === `terraform-provider-${r.type}_${r.version}_SHA256SUMS.sig`) sendBytes(res, o.signature ?? r.signature);
    else notFound(res);
    return true;
  };
}

export function fakeRegistry(o: FakeRegistryOptions): Handler {
  const r = o.release;
  const ns = o.namespace ?? 'acme';
  const files = fileServer(o);
  const api = `/v1/providers/${ns}/${r.type}`;
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0] as string;
    if (files(path, res)) return;
    if (path.endsWith('/.well-known/terraform.json'))
      return sendJson(res, { 'modules.v1': '/v1/modules/', 'providers.v1': o.providersV1 ?? '/v1/providers/' });
    if (path === `${api}/versions`) {
      return sendJson(res, {
        versions: [
          { version: r.version, protocols: ['5.0'], platforms: r.zips.map((z) => ({ os: z.os, arch: z.arch })) },
          { version: 'not-a-version', protocols: [], platforms: [] },
        ],
      });
    }
    const dl = new RegExp(`^${api}/([^/]+)/download/([^/]+)/([^/]+)$`).exec(path);
    if (dl) {
      const [, version, os, arch] = dl as unknown as [string, string, string, string];
      const zip = r.zips.find((z) => z.os === os && z.arch === arch);
      if (version !== r.version || !zip) return notFound(res);
      const sums = `terraform-provider-${r.type}_${r.version}_SHA256SUMS`;
      return sendJson(res, {
        protocols: ['5.0'],
        os,
        arch,
        filename: zip.filename,
        download_url: o.downloadOrigin ? `${o.downloadOrigin}/files/${zip.filename}` : `/files/${zip.filename}`,
        // Path-relative: resolves against this endpoint's URL to .../<version>/download/files/...
        shasums_url: `../files/${sums}`,
        shasums_signature_url: `../files/${sums}.sig`,
        shasum: o.shasumOverride?.[zip.filename] ?? zip.sha256,
        signing_keys: {
          gpg_public_keys: (o.keys ?? [r.key.armoredPublic]).map((k) => ({ key_id: 'X', ascii_armor: k, trust_signature: '' })),
        },
      });
    }
    notFound(res);
  };
}
