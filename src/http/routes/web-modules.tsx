// The modules pages (docs/web.md#modules): the list (modules:read) and one module with its versions, the
// chosen version's README (escaped text), inputs, outputs, source block and oci:// address.
import { Hono } from 'hono';
import semverCompare from 'semver/functions/compare.js';
import semverValid from 'semver/functions/valid.js';
import { AppError } from '../../core/app-error.js';
import type { ModuleServices } from '../../modules/services.js';
import { ModulePage, ModulesPage } from '../../web/views/modules.js';
import type { AppEnv } from '../env.js';
import { doneFlash, page } from './web-page.js';
import type { WebDeps } from './web-request.js';

function needModules(deps: WebDeps): ModuleServices {
  if (!deps.modules) throw new AppError('NOT_FOUND', 'modules are not enabled on this server');
  return deps.modules;
}

const bySemver = (a: string, b: string): number => (semverValid(a) && semverValid(b) ? semverCompare(a, b) : a.localeCompare(b));

export function webModuleRoutes(deps: WebDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get(
    '/ui/modules',
    page(deps, async (w) => {
      const modules = needModules(deps);
      const caller = w.caller('GET', '/api/v1/modules');
      const list = await modules.listModules({}, caller);
      const rows = await Promise.all(
        list.map(async (m) => {
          const versions = await modules.listModuleVersionsApi(m.module.id, caller).catch(() => []);
          const latest = versions
            .map((v) => v.version)
            .sort(bySemver)
            .at(-1);
          return {
            id: m.module.id,
            namespace: m.module.namespace,
            name: m.module.name,
            system: m.module.system,
            description: m.module.description,
            source: m.source,
            latest,
            updatedAt: m.module.updatedAt,
          };
        }),
      );
      const catalog = await deps.catalog.modules(caller);
      const known = new Set(rows.map((r) => `${r.namespace}/${r.name}/${r.system}`));
      const others = catalog.entries.filter((e) => !known.has(`${e.namespace}/${e.name}/${e.system}`));
      const notes = [
        ...(catalog.note ? [catalog.note] : []),
        ...(others.length > 0
          ? [
              `Also stored without a module record (pushed by other tools): ${others.map((e) => `${e.hostname}/${e.namespace}/${e.name}/${e.system}`).join(', ')}`,
            ]
          : []),
      ];
      return w.c.html(<ModulesPage ctx={w.ctx()} rows={rows} notes={notes} flash={doneFlash(w)} />);
    }),
  );

  app.get(
    '/ui/modules/:id',
    page(deps, async (w) => {
      const modules = needModules(deps);
      const id = w.c.req.param('id')!;
      const caller = w.caller('GET', `/api/v1/modules/${id}`);
      const view = await modules.getModule(id, caller);
      const versions = (await modules.listModuleVersionsApi(id, caller)).sort((a, b) => bySemver(a.version, b.version));
      const wanted = w.c.req.query('version') ?? versions.at(-1)?.version;
      const selected = wanted ? await modules.getModuleVersion(id, wanted, caller) : undefined;
      return w.c.html(
        <ModulePage
          ctx={w.ctx()}
          m={{
            id,
            source: view.source,
            description: view.module.description,
            versions: versions.map((v) => ({ version: v.version, publishedAt: v.publishedAt })),
            selected: selected
              ? {
                  version: selected.version,
                  readme: selected.readme,
                  inputs: selected.inputs,
                  outputs: selected.outputs,
                  ociAddress: selected.ociAddress,
                  files: selected.files,
                  publishedAt: selected.publishedAt,
                  publishedBy: selected.published ? selected.publishedBy : undefined,
                }
              : undefined,
          }}
        />,
      );
    }),
  );

  return app;
}
