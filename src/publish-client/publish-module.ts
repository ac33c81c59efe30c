// `publish --module NAME/SYSTEM` for a module version over the modules API: the module resource
// (mod-<namespace>.<name>.<system>) registered when missing, then the directory (packed) or archive PUT to
// /api/v1/modules/<id>/versions/<version>. A version that exists already is compared by its recorded file
// count and unpacked size: the same means nothing to do; different means a conflict (versions are immutable).
import { basename } from 'node:path';
import type { ApiClient, ApiDocument } from './api-client.js';
import { PublishError } from './api-error.js';
import { openModuleSource } from './module-source.js';
import type { PublishEvents } from './publish-provider.js';
import { moduleAddress, moduleId, versionTag } from './resource-ids.js';

export interface ModulePublishOptions {
  path: string;
  namespace: string;
  /** NAME/SYSTEM. */
  module: string;
  version: string;
}

export interface ModulePublishResult {
  outcome: 'published' | 'unchanged';
  moduleId: string;
  name: string;
  version: string;
  /** The module block's source address. */
  source: string;
  ociAddress: string | null;
  resource: ApiDocument;
}

export type ModuleEvents = Pick<PublishEvents, 'step' | 'uploadStarted' | 'uploadProgress' | 'uploadSent'>;

export async function publishModule(client: ApiClient, o: ModulePublishOptions, events: ModuleEvents): Promise<ModulePublishResult> {
  const addr = moduleAddress(o.namespace, o.module);
  versionTag(o.version);
  const id = moduleId(addr);
  const source = await openModuleSource(o.path);
  events.step(
    `found the module ${source.kind} ${source.path}: ${source.files} files, ${source.unpackedBytes} bytes` +
      (source.ignored.length > 0 ? ` (left out: ${source.ignored.join(', ')})` : ''),
  );

  let mod = await client.find(`modules/${id}`);
  if (!mod) {
    mod = await client.post('modules', {
      data: { type: 'modules', attributes: { namespace: addr.namespace, name: addr.name, system: addr.system } },
    });
    events.step(`registered module ${id} (${mod.data.attributes.source})`);
  }
  const base = { moduleId: id, name: addr.name, version: o.version, source: String(mod.data.attributes.source) };
  const versionPath = `modules/${id}/versions/${encodeURIComponent(o.version)}`;

  const existing = (await client.find(versionPath))?.data;
  if (existing) {
    const a = existing.attributes ?? {};
    if (a.files === source.files && a['unpacked-bytes'] === source.unpackedBytes) {
      return { ...base, outcome: 'unchanged', ociAddress: a['oci-address'] ?? null, resource: existing };
    }
    const theirs = a.files === null || a.files === undefined ? 'pushed by another tool' : `${a.files} files, ${a['unpacked-bytes']} bytes`;
    throw new PublishError(
      `conflict: module ${base.source} ${o.version} is already published (${theirs}); ${source.path} holds ${source.files} files, ` +
        `${source.unpackedBytes} bytes (versions are immutable; publish a new version, or delete this one with DELETE /api/v1/${versionPath})`,
    );
  }

  const total = source.uploadBytes ?? source.unpackedBytes;
  const label = { filename: basename(source.path), path: source.path, size: total };
  events.uploadStarted(total, [label]);
  const body = source.open((n) => events.uploadProgress(n, label));
  body.once('end', () => events.uploadSent());
  const answer = await client.putStream(versionPath, body, source.uploadBytes);
  return { ...base, outcome: 'published', ociAddress: answer.data?.attributes?.['oci-address'] ?? null, resource: answer.data };
}
