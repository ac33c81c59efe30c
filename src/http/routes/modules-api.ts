// The publishing API for modules under /api/v1/modules, JSON:API style through the API's shared
// plumbing (api/json-api.ts: media type, capped document reads, kebab-case attributes; errors from the one
// onError handler); request and response schemas declared here once (src/http/openapi/). Paths are relative to /api/v1, where the lead mounts this group; links are absolute:
//
//   GET    /api/v1/modules[?filter[namespace]=ns]        list            POST   /api/v1/modules        create
//   GET    /api/v1/modules/:id                           read            PATCH  /api/v1/modules/:id    description
//   DELETE /api/v1/modules/:id[?cascade=true]            delete (409 while versions exist)
//   GET    /api/v1/modules/:id/versions                  list versions
//   PUT    /api/v1/modules/:id/versions/:version         publish: the body is the .zip or .tar.gz (streamed)
//   GET    /api/v1/modules/:id/versions/:version         read (README, inputs, outputs, oci:// address)
//   DELETE /api/v1/modules/:id/versions/:version         delete
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { ModuleServices } from '../../modules/services.js';
import type { ModuleVersionView, ModuleView } from '../../modules/types.js';
import type { AppEnv } from '../env.js';
import { contentLength, requestBody } from '../node-io.js';
import { apiRoute } from '../openapi/api-route.js';
import {
  binaryBody,
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
  publishedBy,
} from '../openapi/json-api-schemas.js';
import { apiResponse, noContent } from './api/json-api.js';

/** Absolute links of module resources: `<public URL>api/v1/modules/…`. */
class ModuleLinks {
  readonly #base: string;

  constructor(publicUrl: URL) {
    this.#base = new URL('api/v1/modules/', publicUrl).href;
  }

  module = (id: string): string => `${this.#base}${id}`;
  versions = (id: string): string => `${this.#base}${id}/versions`;
  version = (id: string, version: string): string => `${this.#base}${id}/versions/${encodeURIComponent(version)}`;
}

function moduleResource(v: ModuleView, links: ModuleLinks) {
  const m = v.module;
  return {
    type: 'modules',
    id: m.id,
    attributes: {
      namespace: m.namespace,
      name: m.name,
      system: m.system,
      description: m.description,
      source: v.source,
      'oci-repository': v.repository,
      'oci-address': v.ociAddress,
      'created-at': m.createdAt,
      'updated-at': m.updatedAt,
    },
    relationships: { versions: { links: { related: links.versions(m.id) } } },
    links: { self: links.module(m.id) },
  };
}

function versionResource(moduleId: string, v: ModuleVersionView, id: string, links: ModuleLinks) {
  return {
    type: 'module-versions',
    id,
    attributes: {
      version: v.version,
      tag: v.tag,
      shasum: v.shasum,
      size: v.size,
      filename: v.filename,
      'manifest-digest': v.manifestDigest,
      'oci-address': v.ociAddress,
      published: v.published,
      'published-at': v.publishedAt,
      'published-by': v.publishedBy,
      files: v.files,
      'unpacked-bytes': v.unpackedBytes,
      readme: v.readme,
      inputs: v.inputs,
      outputs: v.outputs,
    },
    relationships: { module: { data: { type: 'modules', id: moduleId }, links: { related: links.module(moduleId) } } },
    links: { self: links.version(moduleId, v.version) },
  };
}

const TAG = 'Modules';
const moduleIdParam = z.object({
  id: z.string().openapi({ description: 'mod-<namespace>.<name>.<system>', example: 'mod-acme.network.aws' }),
});
const versionParams = moduleIdParam.extend({
  version: z.string().max(128).openapi({ description: 'canonical semver, at most 128 characters', example: '1.2.0' }),
});
const description = z.string().max(4096).nullable().optional();

export const moduleSchema = resourceObject('modules', 'Module', {
  attributes: z.strictObject({
    namespace: z.string(),
    name: z.string(),
    system: z.string(),
    description: z.string(),
    source: z.string().openapi({ description: 'the module address for terraform/tofu', example: 'registry.example.test/acme/network/aws' }),
    'oci-repository': z.string(),
    'oci-address': z.string().nullable().openapi({ description: 'the oci:// source address for OpenTofu, when the store is a registry' }),
    'created-at': timestamp,
    'updated-at': timestamp,
  }),
  relationships: z.strictObject({ versions: z.strictObject({ links: z.strictObject({ related: link }) }) }),
  links: z.strictObject({ self: link }),
});

export const moduleVersionSchema = resourceObject('module-versions', 'ModuleVersion', {
  attributes: z.strictObject({
    version: z.string(),
    tag: z.string(),
    shasum: z.string(),
    size: z.number().int(),
    filename: z.string().nullable(),
    'manifest-digest': z.string(),
    'oci-address': z.string().nullable(),
    published: z.boolean().openapi({ description: 'false for a version pushed by another tool (no record of ours)' }),
    'published-at': timestamp.nullable(),
    'published-by': publishedBy,
    files: z.number().int().nullable(),
    'unpacked-bytes': z.number().int().nullable(),
    readme: z.string().nullable(),
    inputs: z.array(z.string()).nullable(),
    outputs: z.array(z.string()).nullable(),
  }),
  relationships: z.strictObject({
    module: z.strictObject({
      data: z.strictObject({ type: z.literal('modules'), id: z.string() }),
      links: z.strictObject({ related: link }),
    }),
  }),
  links: z.strictObject({ self: link }),
});

const moduleDocument = singleDocument(moduleSchema, 'ModuleDocument');
const moduleVersionDocument = singleDocument(moduleVersionSchema, 'ModuleVersionDocument');

export const moduleRouteConfigs = {
  list: createRoute({
    method: 'get',
    path: '/modules',
    tags: [TAG],
    summary: 'List modules',
    request: { query: z.object({ 'filter[namespace]': optionalQuery('only this namespace') }) },
    responses: { 200: jsonApiResponse(listDocument(moduleSchema, 'ModuleList'), 'the modules'), ...errorResponses(400, 422) },
  }),
  create: createRoute({
    method: 'post',
    path: '/modules',
    tags: [TAG],
    summary: 'Create a module',
    request: {
      body: jsonApiBody(
        requestDocument(
          'modules',
          'ModuleCreate',
          z.strictObject({
            namespace: z.string().min(1).max(64).openapi({ example: 'acme' }),
            name: z.string().min(1).max(64).openapi({ example: 'network' }),
            system: z.string().min(1).max(64).openapi({ example: 'aws' }),
            description,
          }),
        ),
      ),
    },
    responses: { 201: jsonApiResponse(moduleDocument, 'the module, with its id'), ...errorResponses(400, 409, 413, 415, 422) },
  }),
  get: createRoute({
    method: 'get',
    path: '/modules/{id}',
    tags: [TAG],
    summary: 'Read a module',
    request: { params: moduleIdParam },
    responses: { 200: jsonApiResponse(moduleDocument, 'the module'), ...errorResponses(404) },
  }),
  update: createRoute({
    method: 'patch',
    path: '/modules/{id}',
    tags: [TAG],
    summary: 'Change the description',
    request: { params: moduleIdParam, body: jsonApiBody(requestDocument('modules', 'ModuleUpdate', z.strictObject({ description }))) },
    responses: { 200: jsonApiResponse(moduleDocument, 'the module'), ...errorResponses(400, 404, 409, 415, 422) },
  }),
  delete: createRoute({
    method: 'delete',
    path: '/modules/{id}',
    tags: [TAG],
    summary: 'Delete a module (409 while versions exist, unless cascade=true)',
    request: { params: moduleIdParam, query: z.object({ cascade: booleanQuery('true: delete every version first') }) },
    responses: { 204: { description: 'deleted' }, ...errorResponses(400, 404, 409) },
  }),
  listVersions: createRoute({
    method: 'get',
    path: '/modules/{id}/versions',
    tags: [TAG],
    summary: 'List the versions of a module',
    request: { params: moduleIdParam },
    responses: { 200: jsonApiResponse(listDocument(moduleVersionSchema, 'ModuleVersionList'), 'the versions'), ...errorResponses(404) },
  }),
  publish: createRoute({
    method: 'put',
    path: '/modules/{id}/versions/{version}',
    tags: [TAG],
    summary: 'Publish a version: the body is the .zip or .tar.gz of the module directory (streamed)',
    request: {
      params: versionParams,
      body: binaryBody('the module directory as .zip or .tar.gz', ['application/zip', 'application/gzip', 'application/octet-stream']),
    },
    responses: { 201: jsonApiResponse(moduleVersionDocument, 'the published version'), ...errorResponses(400, 404, 409, 413, 415, 422) },
  }),
  getVersion: createRoute({
    method: 'get',
    path: '/modules/{id}/versions/{version}',
    tags: [TAG],
    summary: 'Read a version (README, inputs, outputs, oci:// address)',
    request: { params: versionParams },
    responses: { 200: jsonApiResponse(moduleVersionDocument, 'the version'), ...errorResponses(400, 404) },
  }),
  deleteVersion: createRoute({
    method: 'delete',
    path: '/modules/{id}/versions/{version}',
    tags: [TAG],
    summary: 'Delete a version',
    request: { params: versionParams },
    responses: { 204: { description: 'deleted' }, ...errorResponses(400, 404) },
  }),
};

const WORDING = { resource: 'module', immutable: ['namespace', 'name', 'system', 'source'] };

/** Routes relative to /api/v1: mount on the /api/v1 group (src/http/app.ts). */
export function modulesApiRoutes(app: OpenAPIHono<AppEnv>, services: ModuleServices, publicUrl: URL): void {
  const links = new ModuleLinks(publicUrl);
  const r = moduleRouteConfigs;

  apiRoute(app, r.list, WORDING, async (c, { query }) => {
    const namespace = query['filter[namespace]'];
    const list = await services.listModules(namespace === undefined ? {} : { namespace }, c.get('caller'));
    return apiResponse(c, { data: list.map((v) => moduleResource(v, links)) });
  });

  apiRoute(app, r.create, WORDING, async (c, { body }) => {
    const view = await services.createModule(body.data.attributes, c.get('caller'));
    c.header('Location', links.module(view.module.id));
    return apiResponse(c, { data: moduleResource(view, links) }, 201);
  });

  apiRoute(app, r.get, WORDING, async (c, { params }) =>
    apiResponse(c, { data: moduleResource(await services.getModule(params.id, c.get('caller')), links) }),
  );

  apiRoute(app, r.update, { ...WORDING, idParam: 'id' }, async (c, { params, body }) =>
    apiResponse(c, { data: moduleResource(await services.updateModule(params.id, body.data.attributes, c.get('caller')), links) }),
  );

  apiRoute(app, r.delete, WORDING, async (c, { params, query }) => {
    await services.deleteModule(params.id, { cascade: query.cascade }, c.get('caller'));
    return noContent(c);
  });

  apiRoute(app, r.listVersions, WORDING, async (c, { params }) => {
    const list = await services.listModuleVersionsApi(params.id, c.get('caller'));
    return apiResponse(c, { data: list.map((v) => versionResource(params.id, v, services.versionId(v), links)) });
  });

  apiRoute(app, r.publish, WORDING, async (c, { params }) => {
    const length = contentLength(c);
    const upload = { body: requestBody(c), ...(length === undefined ? {} : { contentLength: length }) };
    const v = await services.publishModuleVersion(params.id, params.version, upload, c.get('caller'));
    c.header('Location', links.version(params.id, v.version));
    return apiResponse(c, { data: versionResource(params.id, v, services.versionId(v), links) }, 201);
  });

  apiRoute(app, r.getVersion, WORDING, async (c, { params }) => {
    const v = await services.getModuleVersion(params.id, params.version, c.get('caller'));
    return apiResponse(c, { data: versionResource(params.id, v, services.versionId(v), links) });
  });

  apiRoute(app, r.deleteVersion, WORDING, async (c, { params }) => {
    await services.deleteModuleVersion(params.id, params.version, c.get('caller'));
    return noContent(c);
  });
}
