// The provider pages (docs/web.md#providers, #drafts): list and search, create a provider, one provider,
// create a draft version, the draft page (files one by one, streamed; publish), delete a version. Each
// action asks admit for the API request that does the same (web-request.ts).
import { Hono } from 'hono';
import { AppError, isAppError } from '../../core/app-error.js';
import { parseVersionId, providerId } from '../../publishing/ids.js';
import type { PublishServices } from '../../publishing/services.js';
import { DraftPage } from '../../web/views/draft.js';
import type { Flash } from '../../web/views/layout.js';
import { ProviderPage, type ProviderDetail, type VersionRow } from '../../web/views/provider.js';
import { ProvidersPage, providerHref } from '../../web/views/providers.js';
import type { AppEnv } from '../env.js';
import { streamedBody } from './api/provider-versions.js';
import { storedVersions, providerRows, type Address } from './web-provider-data.js';
import { done, doneFlash, page } from './web-page.js';
import { WebRequest, type WebDeps } from './web-request.js';

function needPublish(deps: WebDeps): PublishServices {
  if (!deps.publish) throw new AppError('NOT_FOUND', 'publishing is not enabled on this server');
  return deps.publish;
}

async function listPage(w: WebRequest, flash?: Flash, status: 200 | 400 | 403 | 404 | 409 | 422 = 200): Promise<Response> {
  const caller = w.caller('GET', '/api/v1/providers');
  const { rows, notes } = await providerRows(w.deps, caller, w.may('GET', '/api/v1/mirror-imports'));
  const q = (w.c.req.query('q') ?? '').trim().toLowerCase();
  const shown = q ? rows.filter((r) => `${r.hostname}/${r.namespace}/${r.type} ${r.description}`.toLowerCase().includes(q)) : rows;
  return w.c.html(
    <ProvidersPage
      ctx={w.ctx()}
      rows={shown}
      query={w.c.req.query('q') ?? ''}
      notes={notes}
      canCreate={w.deps.publish !== undefined && w.may('POST', '/api/v1/providers')}
      flash={flash ?? doneFlash(w)}
    />,
    status,
  );
}

async function providerDetail(w: WebRequest, a: Address): Promise<ProviderDetail> {
  const deps = w.deps;
  const caller = w.caller('GET', '/api/v1/providers');
  let record: { id: string; description: string } | undefined;
  let versions: VersionRow[] = [];
  const warnings: string[] = [];
  if (deps.publish && a.hostname === deps.registryHostname) {
    const id = providerId({ namespace: a.namespace, type: a.type });
    try {
      const view = await deps.publish.getProvider(id, caller);
      record = { id, description: view.provider.description };
    } catch (err) {
      if (!(isAppError(err) && err.status === 404)) throw err;
    }
    if (record) {
      versions = (await deps.publish.listVersions({ provider: record.id }, caller)).map(({ version: v }) => ({
        id: v.id,
        version: v.version,
        status: v.status,
        errors: v.errorMessages,
        platforms: v.platforms.map((x) => `${x.os}_${x.arch}`),
        protocols: v.protocols.length > 0 ? v.protocols : (v.requestedProtocols ?? []),
        keyId: v.keyId,
        publishedAt: v.publishedAt,
        publishedBy: v.publishedBy ?? null,
      }));
    }
    try {
      warnings.push(...(await deps.services.listProviderVersions(a.namespace, a.type, caller)).warnings);
    } catch {
      // not servable yet: the versions table says why
    }
  }
  if (!record) versions = await storedVersions(deps, a, caller, 'all');
  if (!record && versions.length === 0) {
    throw new AppError('PROVIDER_NOT_FOUND', `provider ${a.hostname}/${a.namespace}/${a.type} is not in this registry`);
  }
  let keys: ProviderDetail['keys'] = [];
  if (deps.publish && record && w.may('GET', '/api/v1/gpg-keys')) {
    keys = (await deps.publish.listGpgKeys({ namespace: a.namespace }, w.caller('GET', '/api/v1/gpg-keys'))).map((k) => ({
      id: k.key.id,
      name: k.key.name,
      keyId: k.key.keyId,
    }));
  }
  return {
    ...a,
    origin: record ? 'published' : a.hostname === deps.registryHostname ? 'other tool' : 'mirrored',
    description: record?.description ?? '',
    providerId: record?.id,
    versions,
    warnings,
    keys,
    canCreateVersion: record !== undefined && w.may('POST', '/api/v1/provider-versions'),
    canDeleteVersion: record !== undefined && w.may('DELETE', '/api/v1/provider-versions/x'),
    publicUrl: deps.publicUrl.href,
    mirrorUrl: new URL(deps.mirrorBasePath.slice(1), deps.publicUrl).href,
  };
}

function addressOf(w: WebRequest): Address {
  return { hostname: w.c.req.param('hostname')!, namespace: w.c.req.param('namespace')!, type: w.c.req.param('type')! };
}

async function draftPage(w: WebRequest, id: string, flash?: Flash, status: 200 | 400 | 403 | 404 | 409 | 413 | 415 | 422 = 200) {
  const publish = needPublish(w.deps);
  const caller = w.caller('GET', `/api/v1/provider-versions/${id}`);
  const v = (await publish.getVersion(id, caller)).version;
  const files = v.status === 'pending' ? await publish.listDraftFiles(id, caller) : [];
  const a = { hostname: w.deps.registryHostname, namespace: v.namespace, type: v.type };
  return w.c.html(
    <DraftPage
      ctx={w.ctx()}
      d={{
        id,
        address: `${a.hostname}/${a.namespace}/${a.type}`,
        providerHref: providerHref(a),
        version: v.version,
        status: v.status,
        errors: v.errorMessages,
        keyId: v.keyId,
        files: files.map((f) => ({ filename: f.filename, role: f.role, size: f.size, sha256: f.sha256 })),
      }}
      flash={flash ?? doneFlash(w)}
    />,
    status,
  );
}

export function webProviderRoutes(deps: WebDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get(
    '/ui/providers',
    page(deps, (w) => listPage(w)),
  );

  app.post(
    '/ui/providers',
    page(deps, async (w) => {
      const form = await w.form();
      const publish = needPublish(deps);
      try {
        const view = await publish.createProvider(
          { namespace: form.namespace ?? '', name: form.name ?? '', ...(form.description ? { description: form.description } : {}) },
          w.caller('POST', '/api/v1/providers'),
        );
        return done(
          w,
          providerHref({ hostname: deps.registryHostname, namespace: view.provider.namespace, type: view.provider.name }),
          'provider-created',
        );
      } catch (err) {
        if (isAppError(err) && err.status < 500 && err.status !== 401)
          return listPage(w, { kind: 'error', text: err.message }, err.status as 400);
        throw err;
      }
    }),
  );

  app.get(
    '/ui/providers/:hostname/:namespace/:type',
    page(deps, async (w) => w.c.html(<ProviderPage ctx={w.ctx()} p={await providerDetail(w, addressOf(w))} flash={doneFlash(w)} />)),
  );

  app.post(
    '/ui/providers/:namespace/:type/drafts',
    page(deps, async (w) => {
      const form = await w.form();
      const publish = needPublish(deps);
      const a = { hostname: deps.registryHostname, namespace: w.c.req.param('namespace')!, type: w.c.req.param('type')! };
      const protocols = (form.protocols ?? '')
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p !== '');
      try {
        const view = await publish.createVersion(
          { version: (form.version ?? '').trim(), ...(protocols.length > 0 ? { protocols } : {}) },
          {
            provider: { data: { type: 'providers', id: providerId({ namespace: a.namespace, type: a.type }) } },
            'gpg-key': { data: { type: 'gpg-keys', id: form.key ?? '' } },
          },
          w.caller('POST', '/api/v1/provider-versions'),
        );
        return done(w, `/ui/drafts/${encodeURIComponent(view.version.id)}`, 'draft-created');
      } catch (err) {
        if (!isAppError(err) || err.status >= 500 || err.status === 401) throw err;
        const detail = await providerDetail(w, a);
        return w.c.html(<ProviderPage ctx={w.ctx()} p={detail} flash={{ kind: 'error', text: err.message }} />, err.status as 400);
      }
    }),
  );

  app.get(
    '/ui/drafts/:id',
    page(deps, (w) => draftPage(w, w.c.req.param('id')!)),
  );

  // One file of a draft, streamed (the page's script sends each chosen file; CSRF token in a header).
  app.put('/ui/drafts/:id/files/:filename', async (c) => {
    const w = new WebRequest(c, deps);
    const id = c.req.param('id');
    try {
      w.checkCsrf(c.req.header('x-csrf-token'));
      const caller = w.caller('PUT', `/api/v1/provider-versions/${id}/files/${c.req.param('filename')}`);
      const file = await needPublish(deps).putDraftFile(id, c.req.param('filename'), streamedBody(c), caller);
      return c.json({ data: { filename: file.filename, role: file.role, size: file.size, sha256: file.sha256 } });
    } catch (err) {
      if (isAppError(err))
        return c.json({ errors: [{ status: String(err.status), code: err.code, detail: err.message }] }, err.status as 400);
      throw err;
    }
  });

  app.post(
    '/ui/drafts/:id/publish',
    page(deps, async (w) => {
      await w.form();
      const id = w.c.req.param('id')!;
      try {
        const record = await needPublish(deps).publishDraft(id, w.caller('POST', `/api/v1/provider-versions/${id}/publish`));
        if (record.status !== 'uploaded') {
          return draftPage(w, id, { kind: 'error', text: `Publishing failed: ${record.errorMessages.join('; ')}` }, 422);
        }
        return done(w, providerHref({ hostname: deps.registryHostname, namespace: record.namespace, type: record.type }), 'published');
      } catch (err) {
        if (!isAppError(err) || err.status >= 500 || err.status === 401) throw err;
        return draftPage(
          w,
          id,
          { kind: 'error', text: `Publishing failed: ${[err.message, ...err.details].join('; ')}` },
          err.status as 400,
        );
      }
    }),
  );

  app.post(
    '/ui/versions/:id/delete',
    page(deps, async (w) => {
      await w.form();
      const id = w.c.req.param('id')!;
      const key = parseVersionId(id);
      await needPublish(deps).deleteVersion(id, w.caller('DELETE', `/api/v1/provider-versions/${id}`));
      return done(w, providerHref({ hostname: deps.registryHostname, namespace: key.namespace, type: key.type }), 'version-deleted');
    }),
  );

  return app;
}
