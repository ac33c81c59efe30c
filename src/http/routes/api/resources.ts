// JSON:API resource objects of the publishing API (attribute names kebab-case, as the baseline API (docs/design/publishing-baseline.md#api-conventions) and
// HCP Terraform's registry API use). Pure: a use-case view in, a resource object out; links are
// absolute under the public URL.
import type { DraftFile } from '../../../publishing/drafts.js';
import type { GpgKeyView } from '../../../publishing/gpg-keys.js';
import { providerId } from '../../../publishing/ids.js';
import type { VersionView } from '../../../publishing/provider-versions.js';
import type { ProviderView } from '../../../publishing/providers.js';

export type Resource = Record<string, unknown>;

export class ApiLinks {
  readonly base: string;

  constructor(publicUrl: URL) {
    this.base = new URL('api/v1/', publicUrl).href;
  }

  gpgKey = (id: string): string => `${this.base}gpg-keys/${id}`;
  provider = (id: string): string => `${this.base}providers/${id}`;
  version = (id: string): string => `${this.base}provider-versions/${id}`;
}

export function gpgKeyResource(v: GpgKeyView, links: ApiLinks): Resource {
  const k = v.key;
  return {
    type: 'gpg-keys',
    id: k.id,
    attributes: {
      namespace: k.namespace,
      name: k.name,
      description: k.description,
      'ascii-armor': k.asciiArmor,
      fingerprint: k.fingerprint,
      'key-id': k.keyId,
      algorithm: k.algorithm,
      capabilities: k.capabilities ?? null,
      'key-created-at': k.keyCreatedAt ?? null,
      'expires-at': k.expiresAt,
      'signing-expires-at': k.signingExpiresAt === undefined ? k.expiresAt : k.signingExpiresAt,
      subkeys:
        k.subkeys?.map((s) => ({
          'key-id': s.keyId,
          fingerprint: s.fingerprint,
          algorithm: s.algorithm,
          capabilities: s.capabilities,
          'created-at': s.createdAt,
          'expires-at': s.expiresAt,
          revoked: s.revoked,
        })) ?? null,
      'versions-count': v.versionsCount,
      'uploaded-by': k.uploadedBy ?? null,
      'created-at': k.createdAt,
      'updated-at': k.updatedAt,
    },
    relationships: {
      versions: { data: v.versionIds.map((id) => ({ type: 'provider-versions', id })) },
    },
    ...(v.warnings.length > 0 ? { meta: { warnings: v.warnings } } : {}),
    links: { self: links.gpgKey(k.id) },
  };
}

export function providerResource(v: ProviderView, links: ApiLinks): Resource {
  const p = v.provider;
  return {
    type: 'providers',
    id: p.id,
    attributes: {
      namespace: p.namespace,
      name: p.name,
      description: p.description,
      source: v.source,
      'created-at': p.createdAt,
      'updated-at': p.updatedAt,
    },
    relationships: {
      versions: { links: { related: `${links.base}provider-versions?filter%5Bprovider%5D=${p.id}` } },
    },
    links: { self: links.provider(p.id) },
  };
}

export function versionResource(v: VersionView, links: ApiLinks): Resource {
  const r = v.version;
  const warnings = v.warnings ?? [];
  return {
    type: 'provider-versions',
    id: r.id,
    attributes: {
      version: r.version,
      status: r.status,
      'error-messages': r.errorMessages,
      protocols: r.protocols,
      platforms: r.platforms,
      shasums: r.shasums,
      'shasums-filename': r.shasumsFilename,
      'key-id': r.keyId,
      'created-at': r.createdAt,
      'updated-at': r.updatedAt,
      'published-at': r.publishedAt,
      'published-by': r.publishedBy ?? null,
      // While an upload runs: when its lease ends unless renewed (docs/fault-tolerance.md#leases).
      ...(r.status === 'pending' && r.leaseExpiresAt ? { 'upload-lease-expires-at': r.leaseExpiresAt } : {}),
    },
    relationships: {
      provider: { data: { type: 'providers', id: providerId({ namespace: r.namespace, type: r.type }) } },
      'gpg-key': { data: { type: 'gpg-keys', id: r.gpgKeyId } },
    },
    ...(warnings.length > 0 ? { meta: { warnings } } : {}),
    links: {
      self: links.version(r.id),
      files: `${links.version(r.id)}/files`,
      ...(v.uploadUrl ? { upload: v.uploadUrl } : {}),
    },
  };
}

export function draftFileResource(f: DraftFile, versionId: string, links: ApiLinks): Resource {
  return {
    type: 'provider-version-files',
    id: f.filename,
    attributes: { filename: f.filename, role: f.role, size: f.size, sha256: f.sha256 },
    links: { self: `${links.version(versionId)}/files/${encodeURIComponent(f.filename)}` },
  };
}
