// /api/v1/providers (docs/design/publishing-baseline.md#creating-a-provider): POST, GET list (filter[namespace]), GET one, PATCH
// description, DELETE (?cascade=true removes the versions first).
import { Hono } from 'hono';
import type { PublishServices } from '../../../publishing/services.js';
import type { AppEnv } from '../../env.js';
import { apiResponse, booleanQuery, noContent, readData } from './json-api.js';
import { providerResource, type ApiLinks } from './resources.js';

export function providerRoutes(services: PublishServices, links: ApiLinks): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post('/providers', async (c) => {
    const { attributes } = await readData(c, 'providers');
    const view = await services.createProvider(attributes, c.get('caller'));
    c.header('Location', links.provider(view.provider.id));
    return apiResponse(c, { data: providerResource(view, links) }, 201);
  });

  app.get('/providers', async (c) => {
    const namespace = c.req.query('filter[namespace]');
    const views = await services.listProviders(namespace === undefined ? {} : { namespace }, c.get('caller'));
    return apiResponse(c, { data: views.map((v) => providerResource(v, links)) });
  });

  app.get('/providers/:id', async (c) =>
    apiResponse(c, { data: providerResource(await services.getProvider(c.req.param('id'), c.get('caller')), links) }),
  );

  app.patch('/providers/:id', async (c) => {
    const id = c.req.param('id');
    const { attributes } = await readData(c, 'providers', id);
    return apiResponse(c, { data: providerResource(await services.updateProvider(id, attributes, c.get('caller')), links) });
  });

  app.delete('/providers/:id', async (c) => {
    await services.deleteProvider(c.req.param('id'), { cascade: booleanQuery(c, 'cascade') }, c.get('caller'));
    return noContent(c);
  });

  return app;
}
