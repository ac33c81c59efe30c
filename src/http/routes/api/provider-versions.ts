// /api/v1/provider-versions (docs/publishing.md#provider-versions) and the upload URL:
//   POST   /provider-versions                      create (201, links.upload = single-use upload URL)
//   GET    /provider-versions[?filter[provider]=id|filter[namespace]=ns], GET /provider-versions/:id
//   DELETE /provider-versions/:id                  gone from providers.v1, the mirror and oci_mirror
//   POST   /provider-versions/:id/upload-url       a fresh upload URL (the old one stops working)
//   PUT    /provider-versions/:id/files/:filename  draft file (streamed); GET …/files lists them
//   POST   /provider-versions/:id/publish          verify and publish the draft
//   PUT    /uploads/:token                         the release .tar.gz (streamed), answers the final status
// Bodies of file uploads are read as streams straight from Node's IncomingMessage when served by
// @hono/node-server (never buffered), else from the web Request body (app.request in tests).
// Schemas declared here once (src/http/openapi/).
import type { Readable } from 'node:stream';
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { AppError } from '../../../core/app-error.js';
import type { PublishServices } from '../../../publishing/services.js';
import type { AppEnv } from '../../env.js';
import { contentLength, requestBody } from '../../node-io.js';
import { apiRoute } from '../../openapi/api-route.js';
import {
  binaryBody,
  errorResponses,
  jsonApiBody,
  jsonApiResponse,
  link,
  linkage,
  listDocument,
  optionalQuery,
  requestDocument,
  resourceObject,
  singleDocument,
  timestamp,
  z,
  publishedBy,
} from '../../openapi/json-api-schemas.js';
import { apiResponse, noContent } from './json-api.js';
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

const TAG = 'Provider versions';
const versionIdParam = z.object({
  id: z
    .string()
    .openapi({ description: 'ver-<namespace>.<name>.<version> (a "+" in the version is written "_")', example: 'ver-acme.widget.1.2.0' }),
});

const platform = z
  .strictObject({
    os: z.string(),
    arch: z.string(),
    filename: z.string(),
    shasum: z.string().openapi({ description: 'lower-case hex sha256 of the zip' }),
    h1: z.string().openapi({ description: 'the h1: hash of the zip' }),
    size: z.number().int(),
  })
  .openapi('ProviderPlatform');

export const versionSchema = resourceObject('provider-versions', 'ProviderVersion', {
  attributes: z.strictObject({
    version: z.string(),
    status: z.enum(['pending', 'uploaded', 'errored']).openapi({
      description: 'pending until an upload or a draft publish succeeds; errored keeps error-messages (retry with a new upload URL)',
    }),
    'error-messages': z.array(z.string()),
    protocols: z.array(z.string()),
    platforms: z.array(platform),
    shasums: z.string().nullable(),
    'shasums-filename': z.string().nullable(),
    'key-id': z.string(),
    'created-at': timestamp,
    'updated-at': timestamp,
    'published-at': timestamp.nullable(),
    'published-by': publishedBy,
  }),
  relationships: z.strictObject({
    provider: linkage('providers', 'prv-<namespace>.<name>'),
    'gpg-key': linkage('gpg-keys', 'gpg-<namespace>.<fingerprint>'),
  }),
  meta: z.strictObject({ warnings: z.array(z.string()) }),
  links: z.strictObject({
    self: link,
    files: link,
    upload: link
      .optional()
      .openapi({ description: 'single-use URL to PUT the release .tar.gz to (only right after create or upload-url)' }),
  }),
});
const versionDocument = singleDocument(versionSchema, 'ProviderVersionDocument', true);

export const draftFileSchema = resourceObject('provider-version-files', 'DraftFile', {
  attributes: z.strictObject({
    filename: z.string(),
    role: z.enum(['zip', 'shasums', 'signature', 'manifest', 'extra']),
    size: z.number().int(),
    sha256: z.string(),
  }),
  links: z.strictObject({ self: link }),
});

export const versionRouteConfigs = {
  create: createRoute({
    method: 'post',
    path: '/provider-versions',
    tags: [TAG],
    summary: 'Create a version (pending) and get its upload URL',
    request: {
      body: jsonApiBody(
        requestDocument(
          'provider-versions',
          'ProviderVersionCreate',
          z.strictObject({
            version: z.string().min(1).max(128).openapi({ description: 'canonical semver, no "v"', example: '1.2.0' }),
            protocols: z
              .array(z.string().max(16))
              .max(16)
              .nullable()
              .optional()
              .openapi({ description: 'plugin protocols when the release has no manifest', example: ['5.0'] }),
          }),
          z
            .object({
              provider: linkage('providers', 'prv-<namespace>.<name>'),
              'gpg-key': linkage('gpg-keys', 'gpg-<namespace>.<fingerprint>'),
            })
            // Absent relationships are checked member by member (the error names "provider").
            .prefault({} as never),
        ),
      ),
    },
    responses: {
      201: jsonApiResponse(versionDocument, 'the pending version; links.upload is the single-use upload URL'),
      ...errorResponses(400, 404, 409, 413, 415, 422),
    },
  }),
  list: createRoute({
    method: 'get',
    path: '/provider-versions',
    tags: [TAG],
    summary: 'List versions',
    request: {
      query: z.object({
        'filter[provider]': optionalQuery('only this provider (prv-<namespace>.<name>)'),
        'filter[namespace]': optionalQuery('only this namespace'),
      }),
    },
    responses: {
      200: jsonApiResponse(listDocument(versionSchema, 'ProviderVersionList'), 'the versions'),
      ...errorResponses(400, 404, 422),
    },
  }),
  get: createRoute({
    method: 'get',
    path: '/provider-versions/{id}',
    tags: [TAG],
    summary: 'Read a version (status, error messages, platforms)',
    request: { params: versionIdParam },
    responses: { 200: jsonApiResponse(versionDocument, 'the version'), ...errorResponses(404) },
  }),
  delete: createRoute({
    method: 'delete',
    path: '/provider-versions/{id}',
    tags: [TAG],
    summary: 'Delete a version everywhere (providers.v1, mirror, OCI tag)',
    request: { params: versionIdParam },
    responses: { 204: { description: 'deleted' }, ...errorResponses(404, 409) },
  }),
  uploadUrl: createRoute({
    method: 'post',
    path: '/provider-versions/{id}/upload-url',
    tags: [TAG],
    summary: 'A fresh single-use upload URL (retry after a failed upload; the previous URL stops working)',
    request: { params: versionIdParam },
    responses: { 200: jsonApiResponse(versionDocument, 'the version with links.upload'), ...errorResponses(404, 409) },
  }),
  listFiles: createRoute({
    method: 'get',
    path: '/provider-versions/{id}/files',
    tags: [TAG],
    summary: 'List the files of a draft',
    request: { params: versionIdParam },
    responses: { 200: jsonApiResponse(listDocument(draftFileSchema, 'DraftFileList'), 'the draft files'), ...errorResponses(404, 409) },
  }),
  putFile: createRoute({
    method: 'put',
    path: '/provider-versions/{id}/files/{filename}',
    tags: [TAG],
    summary: 'Add one release file to a draft (zip, SHA256SUMS, .sig, manifest), streamed',
    request: {
      params: versionIdParam.extend({ filename: z.string().openapi({ example: 'terraform-provider-widget_1.2.0_linux_amd64.zip' }) }),
      body: binaryBody('the file itself (curl -T FILE)'),
    },
    responses: {
      200: jsonApiResponse(singleDocument(draftFileSchema, 'DraftFileDocument'), 'the stored file'),
      ...errorResponses(404, 409, 413, 415, 422),
    },
  }),
  publish: createRoute({
    method: 'post',
    path: '/provider-versions/{id}/publish',
    tags: [TAG],
    summary: 'Verify and publish a draft',
    request: { params: versionIdParam },
    responses: { 200: jsonApiResponse(versionDocument, 'the published version'), ...errorResponses(404, 409, 422) },
  }),
  upload: createRoute({
    method: 'put',
    path: '/uploads/{token}',
    tags: [TAG],
    summary: 'Upload the release .tar.gz to the single-use upload URL (no token needed: the URL is the authority)',
    security: [],
    request: {
      params: z.object({ token: z.string().openapi({ description: 'the sealed single-use token of links.upload' }) }),
      body: binaryBody('the GoReleaser release as .tar.gz (zips, SHA256SUMS, SHA256SUMS.sig)', [
        'application/gzip',
        'application/octet-stream',
      ]),
    },
    responses: { 200: jsonApiResponse(versionDocument, 'the version, uploaded'), ...errorResponses(403, 404, 409, 413, 415, 422) },
  }),
};

const WORDING = { resource: 'provider version' };

/** Key warnings in top-level meta (what the publish CLI prints) and in the log. */
function withWarnings(c: Context<AppEnv>, doc: { data: unknown }, warnings: readonly string[]) {
  if (warnings.length === 0) return doc;
  c.get('log').logger.warn({ warnings }, 'provider version signed by a key that expires soon or has expired');
  return { ...doc, meta: { warnings } };
}

export function versionRoutes(app: OpenAPIHono<AppEnv>, services: PublishServices, links: ApiLinks): void {
  const r = versionRouteConfigs;
  apiRoute(app, r.create, WORDING, async (c, { body }) => {
    const view = await services.createVersion(body.data.attributes, body.data.relationships, c.get('caller'));
    c.header('Location', links.version(view.version.id));
    return apiResponse(c, withWarnings(c, { data: versionResource(view, links) }, view.warnings ?? []), 201);
  });

  apiRoute(app, r.list, WORDING, async (c, { query }) => {
    const provider = query['filter[provider]'];
    const namespace = query['filter[namespace]'];
    const filter = { ...(provider !== undefined ? { provider } : {}), ...(namespace !== undefined ? { namespace } : {}) };
    const views = await services.listVersions(filter, c.get('caller'));
    return apiResponse(c, { data: views.map((v) => versionResource(v, links)) });
  });

  apiRoute(app, r.get, WORDING, async (c, { params }) =>
    apiResponse(c, { data: versionResource(await services.getVersion(params.id, c.get('caller')), links) }),
  );

  apiRoute(app, r.delete, WORDING, async (c, { params }) => {
    await services.deleteVersion(params.id, c.get('caller'));
    return noContent(c);
  });

  apiRoute(app, r.uploadUrl, WORDING, async (c, { params }) =>
    apiResponse(c, { data: versionResource(await services.renewUploadUrl(params.id, c.get('caller')), links) }),
  );

  apiRoute(app, r.listFiles, WORDING, async (c, { params }) => {
    const files = await services.listDraftFiles(params.id, c.get('caller'));
    return apiResponse(c, { data: files.map((f) => draftFileResource(f, params.id, links)) });
  });

  apiRoute(app, r.putFile, WORDING, async (c, { params }) => {
    const file = await services.putDraftFile(params.id, params.filename, streamedBody(c), c.get('caller'));
    return apiResponse(c, { data: draftFileResource(file, params.id, links) });
  });

  apiRoute(app, r.publish, WORDING, async (c, { params }) => {
    const record = await services.publishDraft(params.id, c.get('caller'));
    const warnings = await services.versionKeyWarnings(record, c.get('caller'));
    return apiResponse(c, withWarnings(c, { data: versionResource({ version: record, warnings }, links) }, warnings));
  });

  apiRoute(app, r.upload, WORDING, async (c, { params }) => {
    const caller = services.uploadCaller(params.token, c.req.raw.signal);
    const record = await services.uploadRelease(params.token, streamedBody(c), c.req.raw.signal);
    const warnings = await services.versionKeyWarnings(record, caller);
    return apiResponse(c, withWarnings(c, { data: versionResource({ version: record, warnings }, links) }, warnings));
  });
}
