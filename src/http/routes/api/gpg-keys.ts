// /api/v1/gpg-keys (docs/design/publishing-baseline.md#managing-gpg-keys): POST, GET list (filter[namespace]), GET one, PATCH
// name/description, DELETE. Single-key responses repeat the key's expiry warnings in top-level meta.
import { Hono } from 'hono';
import type { PublishServices } from '../../../publishing/services.js';
import type { AppEnv } from '../../env.js';
import { apiResponse, noContent, readData } from './json-api.js';
import { gpgKeyResource, type ApiLinks } from './resources.js';
import type { GpgKeyView } from '../../../publishing/gpg-keys.js';

function single(v: GpgKeyView, links: ApiLinks) {
  return { data: gpgKeyResource(v, links), ...(v.warnings.length > 0 ? { meta: { warnings: v.warnings } } : {}) };
}

export function gpgKeyRoutes(services: PublishServices, links: ApiLinks): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post('/gpg-keys', async (c) => {
    const { attributes } = await readData(c, 'gpg-keys');
    const view = await services.createGpgKey(attributes, c.get('caller'));
    c.header('Location', links.gpgKey(view.key.id));
    return apiResponse(c, single(view, links), 201);
  });

  app.get('/gpg-keys', async (c) => {
    const namespace = c.req.query('filter[namespace]');
    const views = await services.listGpgKeys(namespace === undefined ? {} : { namespace }, c.get('caller'));
    return apiResponse(c, { data: views.map((v) => gpgKeyResource(v, links)) });
  });

  app.get('/gpg-keys/:id', async (c) => apiResponse(c, single(await services.getGpgKey(c.req.param('id'), c.get('caller')), links)));

  app.patch('/gpg-keys/:id', async (c) => {
    const id = c.req.param('id');
    const { attributes } = await readData(c, 'gpg-keys', id);
    return apiResponse(c, single(await services.updateGpgKey(id, attributes, c.get('caller')), links));
  });

  app.delete('/gpg-keys/:id', async (c) => {
    await services.deleteGpgKey(c.req.param('id'), c.get('caller'));
    return noContent(c);
  });

  return app;
}
