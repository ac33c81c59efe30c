// /api/v1/providers (docs/publishing.md#providers): POST, GET list (filter[namespace]), GET one, PATCH
// description, DELETE (?cascade=true removes the versions first). Schemas declared here once (src/http/openapi/).
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { PublishServices } from '../../../publishing/services.js';
import type { AppEnv } from '../../env.js';
import { apiRoute } from '../../openapi/api-route.js';
import {
  booleanQuery,
  errorResponses,
  jsonApiBody,
  jsonApiResponse,
  link,
  listDocument,
  optionalQuery,
  requestDocument,
  resourceObject,
  singleDocument,
  timestamp,
  z,
} from '../../openapi/json-api-schemas.js';
import { apiResponse, noContent } from './json-api.js';
import { providerResource, type ApiLinks } from './resources.js';

const TAG = 'Providers';
const providerIdParam = z.object({
  id: z.string().openapi({ description: 'prv-<namespace>.<name>', example: 'prv-acme.widget' }),
});
const description = z.string().max(4096).nullable().optional();

export const providerSchema = resourceObject('providers', 'Provider', {
  attributes: z.strictObject({
    namespace: z.string(),
    name: z.string().openapi({ description: 'the provider type' }),
    description: z.string(),
    source: z.string().openapi({ description: 'what goes into required_providers', example: 'registry.example.test/acme/widget' }),
    'created-at': timestamp,
    'updated-at': timestamp,
  }),
  relationships: z.strictObject({ versions: z.strictObject({ links: z.strictObject({ related: link }) }) }),
  links: z.strictObject({ self: link }),
});
const providerDocument = singleDocument(providerSchema, 'ProviderDocument');

export const providerRouteConfigs = {
  create: createRoute({
    method: 'post',
    path: '/providers',
    tags: [TAG],
    summary: 'Create a provider',
    request: {
      body: jsonApiBody(
        requestDocument(
          'providers',
          'ProviderCreate',
          z.strictObject({
            namespace: z.string().min(1).max(64).openapi({ example: 'acme' }),
            name: z.string().min(1).max(64).openapi({ description: 'the provider type (lowercased)', example: 'widget' }),
            description,
          }),
        ),
      ),
    },
    responses: { 201: jsonApiResponse(providerDocument, 'the provider, with its id'), ...errorResponses(400, 409, 413, 415, 422) },
  }),
  list: createRoute({
    method: 'get',
    path: '/providers',
    tags: [TAG],
    summary: 'List providers',
    request: { query: z.object({ 'filter[namespace]': optionalQuery('only this namespace') }) },
    responses: { 200: jsonApiResponse(listDocument(providerSchema, 'ProviderList'), 'the providers'), ...errorResponses(400, 422) },
  }),
  get: createRoute({
    method: 'get',
    path: '/providers/{id}',
    tags: [TAG],
    summary: 'Read a provider',
    request: { params: providerIdParam },
    responses: { 200: jsonApiResponse(providerDocument, 'the provider'), ...errorResponses(404) },
  }),
  update: createRoute({
    method: 'patch',
    path: '/providers/{id}',
    tags: [TAG],
    summary: 'Change the description (the only attribute that can change)',
    request: {
      params: providerIdParam,
      body: jsonApiBody(requestDocument('providers', 'ProviderUpdate', z.strictObject({ description }))),
    },
    responses: { 200: jsonApiResponse(providerDocument, 'the provider'), ...errorResponses(400, 404, 409, 415, 422) },
  }),
  delete: createRoute({
    method: 'delete',
    path: '/providers/{id}',
    tags: [TAG],
    summary: 'Delete a provider (409 while versions exist, unless cascade=true)',
    request: {
      params: providerIdParam,
      query: z.object({ cascade: booleanQuery('true: delete every version first') }),
    },
    responses: { 204: { description: 'deleted' }, ...errorResponses(400, 404, 409) },
  }),
};

const WORDING = { resource: 'provider', immutable: ['name', 'namespace', 'source'] };

export function providerRoutes(app: OpenAPIHono<AppEnv>, services: PublishServices, links: ApiLinks): void {
  const r = providerRouteConfigs;
  apiRoute(app, r.create, WORDING, async (c, { body }) => {
    const view = await services.createProvider(body.data.attributes, c.get('caller'));
    c.header('Location', links.provider(view.provider.id));
    return apiResponse(c, { data: providerResource(view, links) }, 201);
  });

  apiRoute(app, r.list, WORDING, async (c, { query }) => {
    const namespace = query['filter[namespace]'];
    const views = await services.listProviders(namespace === undefined ? {} : { namespace }, c.get('caller'));
    return apiResponse(c, { data: views.map((v) => providerResource(v, links)) });
  });

  apiRoute(app, r.get, WORDING, async (c, { params }) =>
    apiResponse(c, { data: providerResource(await services.getProvider(params.id, c.get('caller')), links) }),
  );

  apiRoute(app, r.update, { ...WORDING, idParam: 'id' }, async (c, { params, body }) =>
    apiResponse(c, { data: providerResource(await services.updateProvider(params.id, body.data.attributes, c.get('caller')), links) }),
  );

  apiRoute(app, r.delete, WORDING, async (c, { params, query }) => {
    await services.deleteProvider(params.id, { cascade: query.cascade }, c.get('caller'));
    return noContent(c);
  });
}
