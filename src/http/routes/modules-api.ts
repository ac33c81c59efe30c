// The publishing API for modules under /api/v1/modules, JSON:API style through the API's shared
// plumbing (api/json-api.ts: media type, capped document reads, kebab-case attributes; errors from the one
// onError handler). Paths are relative to /api/v1, where the lead mounts this group; links are absolute:
//
//   GET    /api/v1/modules[?filter[namespace]=ns]        list            POST   /api/v1/modules        create
//   GET    /api/v1/modules/:id                           read            PATCH  /api/v1/modules/:id    description
//   DELETE /api/v1/modules/:id[?cascade=true]            delete (409 while versions exist)
//   GET    /api/v1/modules/:id/versions                  list versions
//   PUT    /api/v1/modules/:id/versions/:version         publish: the body is the .zip or .tar.gz (streamed)
//   GET    /api/v1/modules/:id/versions/:version         read (README, inputs, outputs, oci:// address)
//   DELETE /api/v1/modules/:id/versions/:version         delete
import { Hono } from 'hono';
import type { ModuleServices } from '../../modules/services.js';
import type { ModuleVersionView, ModuleView } from '../../modules/types.js';
import type { AppEnv } from '../env.js';
import { contentLength, requestBody } from '../node-io.js';
import { apiResponse, booleanQuery, noContent, readData } from './api/json-api.js';

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

/** Routes relative to /api/v1: mount with `app.route('/api/v1', modulesApiRoutes(moduleServices, publicUrl))`. */
export function modulesApiRoutes(services: ModuleServices, publicUrl: URL): Hono<AppEnv> {
  const links = new ModuleLinks(publicUrl);
  const app = new Hono<AppEnv>();

  app.get('/modules', async (c) => {
    const namespace = c.req.query('filter[namespace]');
    const list = await services.listModules(namespace === undefined ? {} : { namespace }, c.get('caller'));
    return apiResponse(c, { data: list.map((v) => moduleResource(v, links)) });
  });

  app.post('/modules', async (c) => {
    const { attributes } = await readData(c, 'modules');
    const view = await services.createModule(attributes, c.get('caller'));
    c.header('Location', links.module(view.module.id));
    return apiResponse(c, { data: moduleResource(view, links) }, 201);
  });

  app.get('/modules/:id', async (c) =>
    apiResponse(c, { data: moduleResource(await services.getModule(c.req.param('id'), c.get('caller')), links) }),
  );

  app.patch('/modules/:id', async (c) => {
    const id = c.req.param('id');
    const { attributes } = await readData(c, 'modules', id);
    return apiResponse(c, { data: moduleResource(await services.updateModule(id, attributes, c.get('caller')), links) });
  });

  app.delete('/modules/:id', async (c) => {
    await services.deleteModule(c.req.param('id'), { cascade: booleanQuery(c, 'cascade') }, c.get('caller'));
    return noContent(c);
  });

  app.get('/modules/:id/versions', async (c) => {
    const id = c.req.param('id');
    const list = await services.listModuleVersionsApi(id, c.get('caller'));
    return apiResponse(c, { data: list.map((v) => versionResource(id, v, services.versionId(v), links)) });
  });

  app.put('/modules/:id/versions/:version', async (c) => {
    const id = c.req.param('id');
    const length = contentLength(c);
    const upload = { body: requestBody(c), ...(length === undefined ? {} : { contentLength: length }) };
    const v = await services.publishModuleVersion(id, c.req.param('version'), upload, c.get('caller'));
    c.header('Location', links.version(id, v.version));
    return apiResponse(c, { data: versionResource(id, v, services.versionId(v), links) }, 201);
  });

  app.get('/modules/:id/versions/:version', async (c) => {
    const id = c.req.param('id');
    const v = await services.getModuleVersion(id, c.req.param('version'), c.get('caller'));
    return apiResponse(c, { data: versionResource(id, v, services.versionId(v), links) });
  });

  app.delete('/modules/:id/versions/:version', async (c) => {
    await services.deleteModuleVersion(c.req.param('id'), c.req.param('version'), c.get('caller'));
    return noContent(c);
  });

  return app;
}
