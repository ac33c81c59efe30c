// The provider network mirror protocol under the configured base path (default /mirror/):
// :hostname/:namespace/:type/index.json and :hostname/:namespace/:type/:version.json (docs/design/protocols.md §5.1).
// Archive URLs are absolute signed URLs (the client sends no credentials for archives, §5.2). Stored
// providers' answers are memoized results (src/read-cache/memoized.ts), serialized once each (JsonBodies),
// served as one hot route (../pipeline/hot-routes.ts). Hostnames with a configured upstream are answered by
// pull-through (src/mirror/pull-through.ts, docs/mirror.md).
import { Hono } from 'hono';
import { downloadUrl } from './download-url.js';
import { AppError } from '../../core/app-error.js';
import type { MirrorArchive } from '../../providers/provider-mirror.js';
import type { MirrorServices } from '../../mirror/services.js';
import type { Services } from '../../providers/services.js';
import type { AppEnv } from '../env.js';
import { mountHotRoutes, render, type HotRoute } from '../pipeline/hot-routes.js';
import { JsonBodies } from '../json.js';

export function mirrorRoutes(routes: readonly HotRoute[]): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  mountHotRoutes(app, routes);
  return app;
}

/** index.json and <version>.json under `basePath`, as one hot route. */
export function mirrorHotRoutes(services: Services, basePath: string, downloadBase: string, mirror?: MirrorServices): HotRoute[] {
  const indexBodies = new JsonBodies<readonly string[]>((versions) => ({ versions: Object.fromEntries(versions.map((v) => [v, {}])) }));
  const versionBodies = new JsonBodies<Readonly<Record<string, MirrorArchive>>>((archives) => {
    const out: Record<string, { url: string; hashes: string[] }> = {};
    for (const [platform, a] of Object.entries(archives)) out[platform] = { url: downloadUrl(downloadBase, a.download), hashes: a.hashes };
    return { archives: out };
  });

  const documents: HotRoute = {
    pattern: `${basePath}:hostname/:namespace/:type/:file`,
    answer(p, caller) {
      const { hostname = '', namespace = '', type = '', file = '' } = p;
      // Hostnames with a configured upstream are answered by pull-through, the others from the store alone.
      const source = mirror?.handles(hostname) ? mirror : services;
      if (file === 'index.json') return render(source.mirrorIndex(hostname, namespace, type, caller), (v) => indexBodies.body(v));
      if (!file.endsWith('.json')) throw new AppError('NOT_FOUND', `no mirror document "${file}": expected index.json or <version>.json`);
      return render(source.mirrorVersion({ hostname, namespace, type, version: file.slice(0, -5) }, caller), (a) => versionBodies.body(a));
    },
  };

  return [documents];
}
