// /api/v1/provider-versions (docs/design/publishing-baseline.md#creating-the-version, #drafts) and the upload URL:
//   POST   /provider-versions                      create (201, links.upload = single-use upload URL)
//   GET    /provider-versions[?filter[provider]=id|filter[namespace]=ns], GET /provider-versions/:id
//   DELETE /provider-versions/:id                  gone from providers.v1, the mirror and oci_mirror
//   POST   /provider-versions/:id/upload-url       a fresh upload URL (the old one stops working)
//   PUT    /provider-versions/:id/files/:filename  draft file (streamed); GET …/files lists them
//   POST   /provider-versions/:id/publish          verify and publish the draft
//   PUT    /uploads/:token                         the release .tar.gz (streamed), answers the final status
// Bodies of file uploads are read as streams straight from Node's IncomingMessage when served by
// @hono/node-server (never buffered), else from the web Request body (app.request in tests).
import type { Readable } from 'node:stream';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { AppError } from '../../../core/app-error.js';
import type { PublishServices } from '../../../publishing/services.js';
import type { AppEnv } from '../../env.js';
import { contentLength, requestBody } from '../../node-io.js';
import { apiResponse, noContent, readData } from './json-api.js';
import { draftFileResource, versionResource, type ApiLinks } from './resources.js';

/** Content types that cannot be a release or a release file (a form post, a JSON document). */
const REFUSED_UPLOAD_TYPES = /^(?:application\/(?:json|vnd\.api\+json|x-www-form-urlencoded)|multipart\/|text\/html)/i;

/** The request body as a Node stream, and its declared length. */
export function streamedBody(c: Context<AppEnv>): { stream: Readable; contentLength?: number } {
  const type = c.req.header('content-type');
  if (type && REFUSED_UPLOAD_TYPES.test(type)) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', `send the file itself as the request body (e.g. curl -T file), not ${type.split(';')[0]}`);
  }
  const length = contentLength(c);
  return { stream: requestBody(c), ...(length !== undefined ? { contentLength: length } : {}) };
}

export function versionRoutes(services: PublishServices, links: ApiLinks): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post('/provider-versions', async (c) => {
    const { attributes, relationships } = await readData(c, 'provider-versions');
    const view = await services.createVersion(attributes, relationships, c.get('caller'));
    c.header('Location', links.version(view.version.id));
    return apiResponse(c, { data: versionResource(view, links) }, 201);
  });

  app.get('/provider-versions', async (c) => {
    const provider = c.req.query('filter[provider]');
    const namespace = c.req.query('filter[namespace]');
    const filter = { ...(provider !== undefined ? { provider } : {}), ...(namespace !== undefined ? { namespace } : {}) };
    const views = await services.listVersions(filter, c.get('caller'));
    return apiResponse(c, { data: views.map((v) => versionResource(v, links)) });
  });

  app.get('/provider-versions/:id', async (c) =>
    apiResponse(c, { data: versionResource(await services.getVersion(c.req.param('id'), c.get('caller')), links) }),
  );

  app.delete('/provider-versions/:id', async (c) => {
    await services.deleteVersion(c.req.param('id'), c.get('caller'));
    return noContent(c);
  });

  app.post('/provider-versions/:id/upload-url', async (c) =>
    apiResponse(c, { data: versionResource(await services.renewUploadUrl(c.req.param('id'), c.get('caller')), links) }),
  );

  app.get('/provider-versions/:id/files', async (c) => {
    const id = c.req.param('id');
    const files = await services.listDraftFiles(id, c.get('caller'));
    return apiResponse(c, { data: files.map((f) => draftFileResource(f, id, links)) });
  });

  app.put('/provider-versions/:id/files/:filename', async (c) => {
    const id = c.req.param('id');
    const file = await services.putDraftFile(id, c.req.param('filename'), streamedBody(c), c.get('caller'));
    return apiResponse(c, { data: draftFileResource(file, id, links) });
  });

  app.post('/provider-versions/:id/publish', async (c) => {
    const record = await services.publishDraft(c.req.param('id'), c.get('caller'));
    return apiResponse(c, { data: versionResource({ version: record }, links) });
  });

  app.put('/uploads/:token', async (c) => {
    const record = await services.uploadRelease(c.req.param('token'), streamedBody(c), c.req.raw.signal);
    return apiResponse(c, { data: versionResource({ version: record }, links) });
  });

  return app;
}
