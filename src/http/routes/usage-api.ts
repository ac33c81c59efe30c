// The usage API under /api/v1 (docs/operations.md#usage), JSON:API like the rest of /api/v1:
//   GET /api/v1/usage?provider=&version=&since=YYYY-MM-DD    per version: downloads, listings, distinct
//       callers, last use, client versions, merged from every replica's daily records
//   GET /api/v1/usage/unused-versions?provider=&since=       stored versions nobody downloaded since
// Permission (service mode): usage:read (src/auth/route-table.ts).
import { Hono } from 'hono';
import { AppError } from '../../core/app-error.js';
import type { UsageServices } from '../../usage/services.js';
import type { AppEnv } from '../env.js';
import { apiResponse } from './api/json-api.js';

const PARAMS = new Set(['provider', 'version', 'since']);

function checkParams(query: Record<string, string>, allowed: ReadonlySet<string>): void {
  for (const k of Object.keys(query)) {
    if (!allowed.has(k))
      throw new AppError('BAD_REQUEST', `unknown query parameter "${k.slice(0, 40)}" (known: ${[...allowed].join(', ')})`);
  }
}

/** Routes relative to /api/v1. */
export function usageApiRoutes(usage: UsageServices): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/usage', async (c) => {
    const q = c.req.query();
    checkParams(q, PARAMS);
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

  app.get('/usage/unused-versions', async (c) => {
    const q = c.req.query();
    checkParams(q, new Set(['provider', 'since']));
    if (!q.provider || !q.since)
      throw new AppError('BAD_REQUEST', 'give "provider" (namespace/type or hostname/namespace/type) and "since" (YYYY-MM-DD)');
    const versions = await usage.unusedSince(q.provider, q.since, c.get('caller'));
    return apiResponse(c, {
      data: { type: 'unused-versions', id: q.provider, attributes: { provider: q.provider, since: q.since, versions } },
    });
  });

  return app;
}
