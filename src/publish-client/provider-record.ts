// The provider resource of a release: read, or registered when missing (prv-<namespace>.<type>). Its
// `source` attribute is the address terraform's required_providers uses.
import type { ApiClient } from './api-client.js';
import { ApiError } from './api-error.js';
import { providerId } from './resource-ids.js';

export interface ProviderInfo {
  id: string;
  /** `<registry hostname>/<namespace>/<type>`. */
  source: string;
  registered: boolean;
}

export async function ensureProvider(client: ApiClient, namespace: string, type: string): Promise<ProviderInfo> {
  const id = providerId(namespace, type);
  const found = await client.find(`providers/${id}`);
  if (found) return { id, source: String(found.data.attributes.source), registered: false };
  try {
    const created = await client.post('providers', { data: { type: 'providers', attributes: { namespace, name: type } } });
    return { id: String(created.data.id), source: String(created.data.attributes.source), registered: true };
  } catch (err) {
    // Registered meanwhile by a run in parallel (GoReleaser runs publishers in parallel): read it.
    if (!(err instanceof ApiError && err.status === 409)) throw err;
    return { id, source: String((await client.get(`providers/${id}`)).data.attributes.source), registered: false };
  }
}
