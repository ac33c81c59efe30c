// The mirror import API under /api/v1 (docs/mirror.md), JSON:API like the rest of /api/v1:
//   POST /api/v1/mirror-imports        start an import from configured upstreams: 202 + Location
//   GET  /api/v1/mirror-imports        the latest imports, newest first
//   GET  /api/v1/mirror-imports/:id    one import: status (running, succeeded, failed, interrupted), results
// Permissions (service mode): mirror:write to start, mirror:read to read (src/auth/route-table.ts).
// Schemas declared here once (src/http/openapi/).
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { ImportRecord } from '../../mirror/import-jobs.js';
import type { MirrorServices } from '../../mirror/services.js';
import type { AppEnv } from '../env.js';
import { apiRoute } from '../openapi/api-route.js';
import {
  errorResponses,
  jsonApiBody,
  jsonApiResponse,
  link,
  listDocument,
  requestDocument,
  resourceObject,
  singleDocument,
  timestamp,
  z,
} from '../openapi/json-api-schemas.js';
import { apiResponse } from './api/json-api.js';

function importResource(r: ImportRecord, self: string) {
  return {
    type: 'mirror-imports',
    id: r.id,
    attributes: {
      status: r.status,
      providers: r.providers,
      ...(r.version !== undefined ? { version: r.version } : {}),
      platforms: r.platforms,
      'dry-run': r.dryRun,
      results: r.results.map((x) => ({
        provider: x.provider,
        version: x.version,
        platform: x.platform,
        outcome: x.outcome,
        ...(x.bytes !== undefined ? { bytes: x.bytes } : {}),
        ...(x.detail !== undefined ? { detail: x.detail } : {}),
      })),
      errors: r.errors,
      'started-by': r.startedBy,
      'started-at': r.startedAt,
      'updated-at': r.updatedAt,
      ...(r.finishedAt !== undefined ? { 'finished-at': r.finishedAt } : {}),
    },
    links: { self },
  };
}

const TAG = 'Mirror imports';
const PROVIDERS_HINT = 'attribute "providers" must be a non-empty list of provider addresses, e.g. ["registry.terraform.io/hashicorp/aws"]';

export const importSchema = resourceObject('mirror-imports', 'MirrorImport', {
  attributes: z.strictObject({
    status: z.enum(['running', 'succeeded', 'failed', 'interrupted']),
    providers: z.array(z.string()),
    version: z.string().optional(),
    platforms: z.array(z.string()),
    'dry-run': z.boolean(),
    results: z.array(
      z.strictObject({
        provider: z.string(),
        version: z.string(),
        platform: z.string(),
        outcome: z.enum(['imported', 'skipped', 'planned', 'failed']),
        bytes: z.number().int().optional(),
        detail: z.string().optional(),
      }),
    ),
    errors: z.array(z.string()),
    'started-by': z.string().openapi({
      description: 'the API token name (service mode) or registry user name (delegate mode) that started it, else the cache principal',
    }),
    'started-at': timestamp,
    'updated-at': timestamp,
    'finished-at': timestamp.optional(),
  }),
  links: z.strictObject({ self: link }),
});
const importDocument = singleDocument(importSchema, 'MirrorImportDocument');

export const mirrorRouteConfigs = {
  start: createRoute({
    method: 'post',
    path: '/mirror-imports',
    tags: [TAG],
    summary: 'Start an import from the configured upstreams (runs in the background)',
    request: {
      body: jsonApiBody(
        requestDocument(
          'mirror-imports',
          'MirrorImportCreate',
          z.strictObject({
            providers: z
              .array(z.string().max(512), { error: PROVIDERS_HINT })
              .min(1, { error: PROVIDERS_HINT })
              .max(50, { error: 'an import names at most 50 providers' })
              .openapi({ description: 'provider addresses', example: ['registry.terraform.io/hashicorp/random'] }),
            version: z.string().max(256).nullable().optional().openapi({ description: 'a version constraint', example: '~> 3.6' }),
            platforms: z
              .array(z.string().max(64))
              .optional()
              .openapi({ description: '<os>_<arch> (default: all)', example: ['linux_amd64'] }),
            'dry-run': z.boolean({ error: 'attribute "dry-run" must be true or false' }).optional(),
          }),
        ),
      ),
    },
    responses: { 202: jsonApiResponse(importDocument, 'the import, running'), ...errorResponses(400, 409, 413, 415, 422) },
  }),
  list: createRoute({
    method: 'get',
    path: '/mirror-imports',
    tags: [TAG],
    summary: 'The latest imports, newest first',
    responses: { 200: jsonApiResponse(listDocument(importSchema, 'MirrorImportList'), 'the imports') },
  }),
  get: createRoute({
    method: 'get',
    path: '/mirror-imports/{id}',
    tags: [TAG],
    summary: 'One import: status and results',
    request: { params: z.object({ id: z.string() }) },
    responses: { 200: jsonApiResponse(importDocument, 'the import'), ...errorResponses(404) },
  }),
};

const WORDING = { resource: 'import (providers, version, platforms, dry-run)' };

/** Routes relative to /api/v1. */
export function mirrorApiRoutes(app: OpenAPIHono<AppEnv>, mirror: MirrorServices, publicUrl: URL): void {
  const base = new URL('api/v1/mirror-imports/', publicUrl).href;
  const r = mirrorRouteConfigs;

  apiRoute(app, r.start, WORDING, async (c, { body }) => {
    const rec = await mirror.startImport(body.data.attributes, c.get('caller'));
    c.header('Location', base + rec.id);
    return apiResponse(c, { data: importResource(rec, base + rec.id) }, 202);
  });

  apiRoute(app, r.list, WORDING, async (c) => {
    const list = await mirror.listImports(c.get('caller'));
    return apiResponse(c, { data: list.map((rec) => importResource(rec, base + rec.id)) });
  });

  apiRoute(app, r.get, WORDING, async (c, { params }) => {
    const rec = await mirror.getImport(params.id, c.get('caller'));
    return apiResponse(c, { data: importResource(rec, base + rec.id) });
  });
}
