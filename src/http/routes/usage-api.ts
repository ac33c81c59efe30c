// The usage API under /api/v1 (docs/operations.md#usage), JSON:API like the rest of /api/v1:
//   GET /api/v1/usage?provider=&version=&since=YYYY-MM-DD    per version: downloads, listings, distinct
//       callers, last use, client versions, merged from every replica's daily records
//   GET /api/v1/usage/unused-versions?provider=&since=       stored versions nobody downloaded since
// Permission (service mode): usage:read (src/auth/route-table.ts). Schemas declared here once (src/http/openapi/).
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { UsageServices } from '../../usage/services.js';
import type { AppEnv } from '../env.js';
import { apiRoute } from '../openapi/api-route.js';
import { errorResponses, jsonApiResponse, listDocument, singleDocument, z } from '../openapi/json-api-schemas.js';
import { apiResponse } from './api/json-api.js';

const TAG = 'Usage';
const provider = z
  .string()
  .min(1)
  .max(512)
  .openapi({ description: 'namespace/type or hostname/namespace/type', example: 'registry.example.test/acme/widget' });
const since = z.string().max(64).openapi({ description: 'YYYY-MM-DD', example: '2026-01-01' });

export const usageSchema = z
  .strictObject({
    type: z.literal('usage'),
    id: z.string().openapi({ description: '<kind>:<subject>@<version>' }),
    attributes: z.strictObject({
      kind: z.enum(['provider', 'module']),
      subject: z.string(),
      version: z.string(),
      downloads: z.number().int(),
      listings: z.number().int(),
      'distinct-callers': z.number().int(),
      'distinct-callers-at-least': z.boolean().openapi({ description: 'true when the count was capped (at least this many)' }),
      'last-used': z.string(),
      clients: z.record(z.string(), z.number().int()),
    }),
  })
  .openapi('Usage');

const unusedSchema = z
  .strictObject({
    type: z.literal('unused-versions'),
    id: z.string(),
    attributes: z.strictObject({ provider: z.string(), since: z.string(), versions: z.array(z.string()) }),
  })
  .openapi('UnusedVersions');

export const usageRouteConfigs = {
  usage: createRoute({
    method: 'get',
    path: '/usage',
    tags: [TAG],
    summary: 'Usage per version, merged from every replica',
    request: {
      query: z.strictObject({
        provider: provider.optional(),
        version: z.string().max(128).optional(),
        since: since.optional(),
      }),
    },
    responses: { 200: jsonApiResponse(listDocument(usageSchema, 'UsageList'), 'usage per version'), ...errorResponses(400) },
  }),
  unused: createRoute({
    method: 'get',
    path: '/usage/unused-versions',
    tags: [TAG],
    summary: 'Stored versions nobody downloaded since a day',
    request: { query: z.strictObject({ provider, since }) },
    responses: {
      200: jsonApiResponse(singleDocument(unusedSchema, 'UnusedVersionsDocument'), 'the unused versions'),
      ...errorResponses(400, 404),
    },
  }),
};

const WORDING = { resource: 'usage query' };

/** Routes relative to /api/v1. */
export function usageApiRoutes(app: OpenAPIHono<AppEnv>, usage: UsageServices): void {
  const r = usageRouteConfigs;
  apiRoute(app, r.usage, WORDING, async (c, { query: q }) => {
    const list = await usage.query(
      {
        ...(q.provider ? { provider: q.provider } : {}),
        ...(q.version ? { version: q.version } : {}),
        ...(q.since ? { since: q.since } : {}),
      },
      c.get('caller'),
    );
    return apiResponse(c, {
      data: list.map((u) => ({
        type: 'usage',
        id: `${u.kind}:${u.subject}@${u.version}`,
        attributes: {
          kind: u.kind,
          subject: u.subject,
          version: u.version,
          downloads: u.downloads,
          listings: u.listings,
          'distinct-callers': u.distinctCallers,
          'distinct-callers-at-least': u.distinctCallersAtLeast,
          'last-used': u.lastUsed,
          clients: u.clients,
        },
      })),
    });
  });

  apiRoute(app, r.unused, WORDING, async (c, { query: q }) => {
    const versions = await usage.unusedSince(q.provider, q.since, c.get('caller'));
    return apiResponse(c, {
      data: { type: 'unused-versions', id: q.provider, attributes: { provider: q.provider, since: q.since, versions } },
    });
  });
}
