// The module registry protocol (modules.v1) under /v1/modules/ (docs/design/protocols.md §6): the versions of a module,
// and where to download one version. The download answer is `204 No Content` + `X-Terraform-Get`, the one
// form both CLIs accept (Terraform reads only the header; OpenTofu reads the header on 204). The location is
// an absolute signed URL of the zip, since neither CLI sends credentials to it: `?archive=zip` tells
// go-getter the format and `checksum=sha256:<hex>` makes it verify the bytes; go-getter strips both before
// the request, and the download route ignores any query anyway. The versions listing is a hot route
// (../hot-routes.ts): the hot lane serves it in front of Hono.
import { Hono } from 'hono';
import { downloadUrl } from './download-url.js';
import type { ModuleServices } from '../../modules/services.js';
import type { AppEnv } from '../env.js';
import type { ModuleVersionList } from '../../modules/module-registry.js';
import { mountHotRoutes, render, type HotRoute } from '../pipeline/hot-routes.js';
import { JsonBodies } from '../json.js';

/** The versions listing, as a hot route. */
export function modulesV1HotRoutes(services: ModuleServices): HotRoute[] {
  const versionsBodies = new JsonBodies<ModuleVersionList>((list) => ({
    modules: [{ source: list.source, versions: list.versions.map((version) => ({ version })) }],
  }));
  return [
    {
      pattern: '/v1/modules/:namespace/:name/:system/versions',
      answer: (p, caller) =>
        render(services.listModuleVersions({ namespace: p.namespace!, name: p.name!, system: p.system! }, caller), (list) =>
          versionsBodies.body(list),
        ),
    },
  ];
}

/**
 * `hotRoutes` from modulesV1HotRoutes; `downloadBase` is the absolute URL of the download route, ending
 * with "/" (e.g. https://host/download/).
 */
export function modulesV1Routes(services: ModuleServices, downloadBase: string, hotRoutes: readonly HotRoute[]): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  mountHotRoutes(app, hotRoutes);

  app.get('/v1/modules/:namespace/:name/:system/:version/download', async (c) => {
    const d = await services.findModuleDownload(
      { namespace: c.req.param('namespace'), name: c.req.param('name'), system: c.req.param('system'), version: c.req.param('version') },
      c.get('caller'),
    );
    c.header('X-Terraform-Get', `${downloadUrl(downloadBase, d.download)}?archive=zip&checksum=sha256:${d.shasum}`);
    c.header('Cache-Control', 'no-store');
    return c.body(null, 204);
  });

  return app;
}
