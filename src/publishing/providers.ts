// Use cases of the `providers` resource (docs/design/publishing-baseline.md#providers, #creating-a-provider): a namespace and a
// name that follows the Terraform provider naming rules (lowercased), unique; only the description can
// change; delete refused while versions exist unless cascading.
import { AppError } from '../core/app-error.js';
import { normalizeProviderNamespace, normalizeProviderType } from '../layout/names.js';
import type { Caller } from '../core/caller.js';
import { nowIso, type PublishContext } from './context.js';
import { normalized, onlyAttributes, optionalString, requiredString, type Attributes } from '../core/attributes.js';
import { tagPrefixes } from '../layout/records.js';
import { parseProviderId, providerId, providerTag } from './ids.js';
import type { Stored } from '../core/record-store.js';
import type { ProviderRecord } from './types.js';
import { listVersionRecords } from './version-records.js';
import { removeVersion } from './version-removal.js';

export interface ProviderView {
  provider: ProviderRecord;
  /** `<hostname>/<namespace>/<name>`: what goes into required_providers. */
  source: string;
}

function view(ctx: PublishContext, provider: ProviderRecord): ProviderView {
  return { provider, source: `${ctx.deps.registryHostname}/${provider.namespace}/${provider.name}` };
}

/** The provider with `id`, or 404. */
export async function loadProvider(ctx: PublishContext, id: string, caller: Caller): Promise<Stored<ProviderRecord>> {
  const stored = await ctx.records.get<ProviderRecord>('provider', providerTag(parseProviderId(id)), caller);
  if (!stored) throw new AppError('NOT_FOUND', `no provider with id ${JSON.stringify(id)}`);
  return stored;
}

/** POST /providers. 409 when the provider exists. */
export async function createProvider(ctx: PublishContext, attrs: Attributes, caller: Caller): Promise<ProviderView> {
  onlyAttributes(attrs, ['namespace', 'name', 'description'], [], 'provider');
  const namespace = normalized('namespace', () => normalizeProviderNamespace(requiredString(attrs, 'namespace', 64)));
  const type = normalized('name', () => normalizeProviderType(requiredString(attrs, 'name', 64)));
  const description = optionalString(attrs, 'description');
  const key = { namespace, type };
  return ctx.deps.locks.run(`provider|${providerId(key)}`, async () => {
    if (await ctx.records.get('provider', providerTag(key), caller)) {
      throw new AppError('CONFLICT', `provider ${namespace}/${type} already exists (${providerId(key)})`, {
        source: { pointer: '/data/attributes/name' },
      });
    }
    const now = nowIso(ctx);
    const provider: ProviderRecord = { id: providerId(key), namespace, name: type, description, createdAt: now, updatedAt: now };
    await ctx.records.put('provider', providerTag(key), provider, caller);
    return view(ctx, provider);
  });
}

/** GET /providers[?filter[namespace]=ns]. */
export async function listProviders(ctx: PublishContext, filter: { namespace?: string }, caller: Caller): Promise<ProviderView[]> {
  const namespace =
    filter.namespace === undefined
      ? undefined
      : normalized('/filter/namespace', () => normalizeProviderNamespace(filter.namespace as string));
  const all = await ctx.records.list<ProviderRecord>('provider', tagPrefixes('provider', namespace), caller);
  return all.filter((p) => namespace === undefined || p.data.namespace === namespace).map((p) => view(ctx, p.data));
}

export async function getProvider(ctx: PublishContext, id: string, caller: Caller): Promise<ProviderView> {
  return view(ctx, (await loadProvider(ctx, id, caller)).data);
}

/** PATCH /providers/:id: description only (docs/design/publishing-baseline.md#providers: "the only attribute that can be edited after creation"). */
export async function updateProvider(ctx: PublishContext, id: string, attrs: Attributes, caller: Caller): Promise<ProviderView> {
  onlyAttributes(attrs, ['description'], ['name', 'namespace', 'source'], 'provider');
  return ctx.deps.locks.run(`provider|${id}`, async () => {
    const stored = await loadProvider(ctx, id, caller);
    const provider = { ...stored.data, description: optionalString(attrs, 'description'), updatedAt: nowIso(ctx) };
    await ctx.records.put('provider', stored.tag, provider, caller);
    return view(ctx, provider);
  });
}

/**
 * DELETE /providers/:id. 409 while versions exist, unless `cascade`: then every version is removed first
 * (semver tags, drafts, records), and the provider record last.
 */
export async function deleteProvider(ctx: PublishContext, id: string, opts: { cascade: boolean }, caller: Caller): Promise<void> {
  const stored = await loadProvider(ctx, id, caller);
  const { namespace, name } = stored.data;
  await ctx.deps.locks.run(`provider|${id}`, async () => {
    const versions = await listVersionRecords(ctx, caller, { namespace, type: name });
    if (versions.length > 0 && !opts.cascade) {
      const list = versions
        .slice(0, 10)
        .map((v) => v.data.version)
        .join(', ');
      throw new AppError(
        'CONFLICT',
        `provider ${namespace}/${name} still has ${versions.length} version(s) (${list}); delete them first or pass ?cascade=true`,
      );
    }
    for (const v of versions) await removeVersion(ctx, v, caller);
    await ctx.records.remove(stored, caller);
  });
}
