// The mirror import API under /api/v1 (docs/mirror.md), JSON:API like the rest of /api/v1:
//   POST /api/v1/mirror-imports        start an import from configured upstreams: 202 + Location
//   GET  /api/v1/mirror-imports        the latest imports, newest first
//   GET  /api/v1/mirror-imports/:id    one import: status (running, succeeded, failed, interrupted), results
// Permissions (service mode): mirror:write to start, mirror:read to read (src/auth/route-table.ts).
import { Hono } from 'hono';
import type { ImportRecord } from '../../mirror/import-jobs.js';
import type { MirrorServices } from '../../mirror/services.js';
import type { AppEnv } from '../env.js';
import { apiResponse, readData } from './api/json-api.js';

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

/** Routes relative to /api/v1. */
export function mirrorApiRoutes(mirror: MirrorServices, publicUrl: URL): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const base = new URL('api/v1/mirror-imports/', publicUrl).href;

  app.post('/mirror-imports', async (c) => {
    const { attributes } = await readData(c, 'mirror-imports');
    const r = await mirror.startImport(attributes, c.get('caller'));
    c.header('Location', base + r.id);
    return apiResponse(c, { data: importResource(r, base + r.id) }, 202);
  });

  app.get('/mirror-imports', async (c) => {
    const list = await mirror.listImports(c.get('caller'));
    return apiResponse(c, { data: list.map((r) => importResource(r, base + r.id)) });
  });

  app.get('/mirror-imports/:id', async (c) => {
    const r = await mirror.getImport(c.req.param('id'), c.get('caller'));
    return apiResponse(c, { data: importResource(r, base + r.id) });
  });

  return app;
}
