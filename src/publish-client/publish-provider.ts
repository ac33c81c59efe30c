// `publish` for a provider release, step by step over the publishing API: find the release in the
// directory, look up its version (ver-<ns>.<type>.<tag>); when it is published already, compare (same files:
// nothing to do; other files: a conflict); else register the key and the provider when missing, create the
// version (or reuse a pending / errored one with a fresh upload URL) and stream the release .tar.gz to the
// upload URL, which answers once the server verified and published it. Drafts: --draft uploads the files
// one by one and stops; --finish publishes the draft.
import { createReadStream } from 'node:fs';
import type { ApiClient, ApiDocument } from './api-client.js';
import { PublishError } from './api-error.js';
import { ensureProvider } from './provider-record.js';
import { releaseDifferences } from './release-comparison.js';
import { findProviderRelease, releaseFiles, type LocalFile, type LocalRelease } from './release-directory.js';
import { releaseTarball } from './release-tarball.js';
import { providerNamespace, providerType, providerVersionId } from './resource-ids.js';
import { ensureKeyFromFile, findRegisteredKey, type ChosenKey } from './signing-key.js';

/** Top-level meta.warnings of an API answer (the signing key's expiry, docs/publishing.md#key-expiry). */
function metaWarnings(doc: ApiDocument): string[] {
  return Array.isArray(doc?.meta?.warnings) ? (doc.meta.warnings as unknown[]).map(String) : [];
}

export type PublishMode = 'publish' | 'draft' | 'finish';

export interface ProviderPublishOptions {
  /** The release directory; optional only for `finish` with `type` and `version`. */
  dir?: string;
  namespace: string;
  keyFile?: string;
  /** Overrides of what the file names say. */
  type?: string;
  version?: string;
  mode: PublishMode;
}

/** What the command reports while it works. */
export interface PublishEvents {
  /** One finished step, e.g. "registered provider prv-acme.widget". */
  step(message: string): void;
  /** The release files found and the ones ignored. */
  found(release: LocalRelease): void;
  uploadStarted(totalBytes: number, files: readonly LocalFile[]): void;
  uploadProgress(bytes: number, file: LocalFile): void;
  /** Every byte is sent; the server verifies (a tarball upload) or stored the file (a draft file). */
  uploadSent(): void;
}

export interface ProviderPublishResult {
  /** published: this run published it; unchanged: the same files were published already; draft: files uploaded. */
  outcome: 'published' | 'unchanged' | 'draft';
  namespace: string;
  type: string;
  version: string;
  versionId: string;
  /** required_providers source address. */
  source: string;
  /** The provider-versions resource as the server last answered. */
  resource: ApiDocument;
  warnings: string[];
}

const relKeyId = (v: ApiDocument): string | undefined => v?.relationships?.['gpg-key']?.data?.id;

export async function publishProvider(client: ApiClient, o: ProviderPublishOptions, events: PublishEvents): Promise<ProviderPublishResult> {
  const namespace = providerNamespace(o.namespace);
  if (o.dir === undefined && (o.mode !== 'finish' || o.type === undefined || o.version === undefined)) {
    throw new PublishError('name the release directory (GoReleaser dist/), or, with --finish, --provider TYPE and --version VERSION', true);
  }
  const release =
    o.dir === undefined
      ? null
      : await findProviderRelease(o.dir, { ...(o.type ? { type: o.type } : {}), ...(o.version ? { version: o.version } : {}) });
  if (release) events.found(release);
  const type = providerType(release?.type ?? (o.type as string));
  const version = release?.version ?? (o.version as string);
  const versionId = providerVersionId(namespace, type, version);
  const base = { namespace, type, version, versionId };

  const existing = (await client.find(`provider-versions/${versionId}`))?.data as ApiDocument | undefined;
  if (existing?.attributes?.status === 'uploaded') {
    if (release) {
      const diff = await releaseDifferences(release, existing);
      if (diff.length > 0) {
        throw new PublishError(
          `conflict: ${namespace}/${type} ${version} is already published with other files (versions are immutable; ` +
            `publish a new version, or delete this one with DELETE /api/v1/provider-versions/${versionId}):\n  ${diff.join('\n  ')}`,
        );
      }
    }
    const provider = await ensureProvider(client, namespace, type);
    return { ...base, outcome: 'unchanged', source: provider.source, resource: existing, warnings: [] };
  }

  if (o.mode === 'finish') {
    if (!existing)
      throw new PublishError(`${namespace}/${type} ${version} has no draft (${versionId}): upload it first with --draft`, true);
    const provider = await ensureProvider(client, namespace, type);
    const done = await client.post(`provider-versions/${versionId}/publish`);
    events.step(`published draft ${versionId}`);
    return { ...base, outcome: 'published', source: provider.source, resource: done.data, warnings: metaWarnings(done) };
  }
  const local = release as LocalRelease;

  // The key: the existing version's when it has one and no --key is given.
  let key: ChosenKey;
  if (o.keyFile !== undefined) key = await ensureKeyFromFile(client, namespace, o.keyFile);
  else if (existing && relKeyId(existing)) key = { id: relKeyId(existing) as string, warnings: [], registered: false };
  else key = await findRegisteredKey(client, namespace, local);
  if (key.registered) events.step(`registered GPG key ${key.id}`);
  if (existing && relKeyId(existing) !== key.id) {
    throw new PublishError(
      `${versionId} exists (status ${existing.attributes.status}) bound to GPG key ${relKeyId(existing)}, not ${key.id}; ` +
        `delete it with DELETE /api/v1/provider-versions/${versionId} to publish with the other key`,
    );
  }
  const provider = await ensureProvider(client, namespace, type);
  if (provider.registered) events.step(`registered provider ${provider.id} (${provider.source})`);

  let created: ApiDocument;
  if (existing && o.mode === 'draft') {
    created = existing;
    events.step(`adding the files to ${versionId} (${existing.attributes.status})`);
  } else if (existing) {
    created = (await client.post(`provider-versions/${versionId}/upload-url`)).data;
    events.step(`resuming ${versionId} (was ${existing.attributes.status})`);
  } else {
    created = (
      await client.post('provider-versions', {
        data: {
          type: 'provider-versions',
          attributes: { version },
          relationships: {
            provider: { data: { type: 'providers', id: provider.id } },
            'gpg-key': { data: { type: 'gpg-keys', id: key.id } },
          },
        },
      })
    ).data;
    events.step(`created version ${versionId}`);
  }

  const files = releaseFiles(local);
  events.uploadStarted(
    files.reduce((n, f) => n + f.size, 0),
    files,
  );
  if (o.mode === 'draft') {
    for (const f of files) {
      const stream = createReadStream(f.path);
      stream.on('data', (chunk) => events.uploadProgress(chunk.length, f));
      await client.putStream(`provider-versions/${versionId}/files/${encodeURIComponent(f.filename)}`, stream, f.size);
    }
    events.uploadSent();
    return { ...base, outcome: 'draft', source: provider.source, resource: created, warnings: key.warnings };
  }
  const upload = created?.links?.upload;
  if (typeof upload !== 'string') throw new PublishError(`the server gave no upload URL for ${versionId}`);
  const body = releaseTarball(files, (n, f) => events.uploadProgress(n, f));
  body.once('end', () => events.uploadSent());
  const answer = await client.putStream(upload, body);
  // The server repeats the key's expiry warnings on the uploaded version (docs/publishing.md#key-expiry).
  const warnings = [...new Set([...key.warnings, ...metaWarnings(answer)])];
  return { ...base, outcome: 'published', source: provider.source, resource: answer.data, warnings };
}
