// The provider network mirror protocol under the configured base path (default /mirror/):
// :hostname/:namespace/:type/index.json and :hostname/:namespace/:type/:version.json (protocols.md §5.1).
// Archive URLs are absolute signed URLs (the client sends no credentials for archives, §5.2). Both answers
// are memoized results (src/registry/memoized.ts), serialized once each (JsonBodies).
import { Hono } from 'hono';
import { AppError } from '../../errors.js';
import type { MirrorArchive } from '../../registry/provider-mirror.js';
import type { Services } from '../../registry/services.js';
import type { AppEnv } from '../env.js';
import { JsonBodies, jsonText } from '../json.js';

export function mirrorRoutes(services: Services, basePath: string, downloadBase: string): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const indexBodies = new JsonBodies<readonly string[]>((versions) => ({ versions: Object.fromEntries(versions.map((v) => [v, {}])) }));
  const versionBodies = new JsonBodies<Readonly<Record<string, MirrorArchive>>>((archives) => {
    const out: Record<string, { url: string; hashes: string[] }> = {};
    for (const [platform, a] of Object.entries(archives)) out[platform] = { url: downloadBase + a.download, hashes: a.hashes };
    return { archives: out };
  });

  app.get(`${basePath}:hostname/:namespace/:type/:file`, async (c) => {
    const { hostname = '', namespace = '', type = '', file = '' } = c.req.param() as Record<string, string | undefined>;
    const caller = c.get('caller');
    if (file === 'index.json') return jsonText(c, indexBodies.text(await services.mirrorIndex(hostname, namespace, type, caller)));
    if (!file.endsWith('.json')) throw new AppError('NOT_FOUND', `no mirror document "${file}": expected index.json or <version>.json`);
    const archives = await services.mirrorVersion({ hostname, namespace, type, version: file.slice(0, -5) }, caller);
    return jsonText(c, versionBodies.text(archives));
  });

  return app;
}
