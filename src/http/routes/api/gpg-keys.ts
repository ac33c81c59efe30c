// /api/v1/gpg-keys (docs/publishing.md#gpg-keys): POST, GET list (filter[namespace]), GET one, PATCH
// name/description, DELETE. Single-key responses repeat the key's expiry warnings in top-level meta.
// Request and response schemas are declared here once (src/http/openapi/).
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { GpgKeyView } from '../../../publishing/gpg-keys.js';
import type { PublishServices } from '../../../publishing/services.js';
import type { AppEnv } from '../../env.js';
import { apiRoute } from '../../openapi/api-route.js';
import {
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
  warningsMeta,
  z,
  principalName,
} from '../../openapi/json-api-schemas.js';
import { apiResponse, noContent } from './json-api.js';
import { gpgKeyResource, type ApiLinks } from './resources.js';

const TAG = 'GPG keys';
const keyIdParam = z.object({
  id: z.string().openapi({
    description: 'gpg-<namespace>.<fingerprint>: the namespace and the 40 lower-case hex digits of the primary key fingerprint',
    example: 'gpg-acme.0123456789abcdef0123456789abcdef01234567',
  }),
});

const name = z.string().min(1).max(128).openapi({ description: 'letters, digits, dashes, underscores and spaces', example: 'release key' });
const description = z.string().max(4096).nullable().optional();

const createAttributes = z.strictObject({
  namespace: z.string().min(1).max(64).openapi({ example: 'acme' }),
  name,
  description,
  'ascii-armor': z
    .string()
    .min(1)
    .max(256 * 1024)
    .openapi({ description: 'the armored public key (gpg --armor --export KEYID)' }),
});
const updateAttributes = z.strictObject({ name: name.optional(), description });

export const subkeySchema = z
  .strictObject({
    'key-id': z.string().openapi({ description: '16 upper-case hex digits' }),
    fingerprint: z.string(),
    algorithm: z.string(),
    capabilities: z.array(z.enum(['sign', 'certify', 'encrypt', 'authenticate'])),
    'created-at': timestamp,
    'expires-at': timestamp.nullable(),
    revoked: z.boolean(),
  })
  .openapi('GpgSubkey');

const keyAttributes = z.strictObject({
  namespace: z.string(),
  name: z.string(),
  description: z.string(),
  'ascii-armor': z.string(),
  fingerprint: z.string().openapi({ description: '40 upper-case hex digits of the primary key' }),
  'key-id': z.string().openapi({ description: 'long key id of the primary key, as providers.v1 announces it' }),
  algorithm: z.string().openapi({ example: 'RSA 3072' }),
  capabilities: z
    .array(z.enum(['sign', 'certify', 'encrypt', 'authenticate']))
    .nullable()
    .openapi({ description: 'of the primary key (null for keys registered before this was recorded)' }),
  'key-created-at': timestamp
    .nullable()
    .openapi({ description: 'when the primary key was made (null for keys registered before this was recorded)' }),
  'expires-at': timestamp.nullable().openapi({ description: 'when the primary key expires; null = never' }),
  'signing-expires-at': timestamp
    .nullable()
    .openapi({ description: 'when the last usable signing (sub)key expires; null = never (or unknown for older records)' }),
  subkeys: z.array(subkeySchema).nullable(),
  'versions-count': z.number().int(),
  'uploaded-by': principalName.openapi({
    description: 'who added the key: the API token name (service mode) or the registry user name (delegate mode); null when unknown',
  }),
  'created-at': timestamp,
  'updated-at': timestamp,
});

export const gpgKeySchema = resourceObject('gpg-keys', 'GpgKey', {
  attributes: keyAttributes,
  relationships: z.strictObject({
    versions: z
      .strictObject({ data: z.array(z.strictObject({ type: z.literal('provider-versions'), id: z.string() })) })
      .openapi({ description: 'the provider versions this key signs (they must be deleted before the key)' }),
  }),
  meta: warningsMeta,
  links: z.strictObject({ self: link }),
});

const keyDocument = singleDocument(gpgKeySchema, 'GpgKeyDocument', true);

export const gpgKeyRouteConfigs = {
  create: createRoute({
    method: 'post',
    path: '/gpg-keys',
    tags: [TAG],
    summary: 'Register a public key',
    description:
      'The key must have a usable signing (sub)key: one that is neither revoked nor expired (else 422). meta.warnings says when it expires within 30 days.',
    request: { body: jsonApiBody(requestDocument('gpg-keys', 'GpgKeyCreate', createAttributes)) },
    responses: { 201: jsonApiResponse(keyDocument, 'the key, with its id'), ...errorResponses(400, 409, 413, 415, 422) },
  }),
  list: createRoute({
    method: 'get',
    path: '/gpg-keys',
    tags: [TAG],
    summary: 'List keys',
    request: { query: z.object({ 'filter[namespace]': optionalQuery('only this namespace') }) },
    responses: { 200: jsonApiResponse(listDocument(gpgKeySchema, 'GpgKeyList'), 'the keys'), ...errorResponses(400, 422) },
  }),
  get: createRoute({
    method: 'get',
    path: '/gpg-keys/{id}',
    tags: [TAG],
    summary: 'Read a key, with the versions it signs',
    request: { params: keyIdParam },
    responses: { 200: jsonApiResponse(keyDocument, 'the key'), ...errorResponses(404) },
  }),
  update: createRoute({
    method: 'patch',
    path: '/gpg-keys/{id}',
    tags: [TAG],
    summary: 'Rename a key or change its description',
    request: { params: keyIdParam, body: jsonApiBody(requestDocument('gpg-keys', 'GpgKeyUpdate', updateAttributes)) },
    responses: { 200: jsonApiResponse(keyDocument, 'the key'), ...errorResponses(400, 404, 409, 415, 422) },
  }),
  delete: createRoute({
    method: 'delete',
    path: '/gpg-keys/{id}',
    tags: [TAG],
    summary: 'Delete a key no version uses',
    request: { params: keyIdParam },
    responses: { 204: { description: 'deleted' }, ...errorResponses(404, 409) },
  }),
};

function single(v: GpgKeyView, links: ApiLinks) {
  return { data: gpgKeyResource(v, links), ...(v.warnings.length > 0 ? { meta: { warnings: v.warnings } } : {}) };
}

const WORDING = { resource: 'GPG key', immutable: ['ascii-armor', 'fingerprint', 'key-id', 'namespace', 'algorithm', 'expires-at'] };

export function gpgKeyRoutes(app: OpenAPIHono<AppEnv>, services: PublishServices, links: ApiLinks): void {
  const r = gpgKeyRouteConfigs;
  apiRoute(app, r.create, WORDING, async (c, { body }) => {
    const view = await services.createGpgKey(body.data.attributes, c.get('caller'));
    if (view.warnings.length > 0)
      c.get('log').logger.warn({ key: view.key.id, warnings: view.warnings }, 'GPG key registered with warnings');
    c.header('Location', links.gpgKey(view.key.id));
    return apiResponse(c, single(view, links), 201);
  });

  apiRoute(app, r.list, WORDING, async (c, { query }) => {
    const namespace = query['filter[namespace]'];
    const views = await services.listGpgKeys(namespace === undefined ? {} : { namespace }, c.get('caller'));
    return apiResponse(c, { data: views.map((v) => gpgKeyResource(v, links)) });
  });

  apiRoute(app, r.get, WORDING, async (c, { params }) =>
    apiResponse(c, single(await services.getGpgKey(params.id, c.get('caller')), links)),
  );

  apiRoute(app, r.update, { ...WORDING, idParam: 'id' }, async (c, { params, body }) =>
    apiResponse(c, single(await services.updateGpgKey(params.id, body.data.attributes, c.get('caller')), links)),
  );

  apiRoute(app, r.delete, WORDING, async (c, { params }) => {
    await services.deleteGpgKey(params.id, c.get('caller'));
    return noContent(c);
  });
}
