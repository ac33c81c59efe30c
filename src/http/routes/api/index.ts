// The publishing API under /api/v1 (JSON:API): gpg-keys, providers, provider-versions, drafts and the
// upload URL. Mount with `app.route('/api/v1', apiRoutes(publishServices, publicUrl))`; errors go through
// the app's one onError, which answers /api/ paths with application/vnd.api+json error documents.
import { Hono } from 'hono';
import type { PublishServices } from '../../../publishing/services.js';
import type { AppEnv } from '../../env.js';
import { gpgKeyRoutes } from './gpg-keys.js';
import { versionRoutes } from './provider-versions.js';
import { providerRoutes } from './providers.js';
import { ApiLinks } from './resources.js';

export function apiRoutes(services: PublishServices, publicUrl: URL): Hono<AppEnv> {
  const links = new ApiLinks(publicUrl);
  const app = new Hono<AppEnv>();
  app.route('/', gpgKeyRoutes(services, links));
  app.route('/', providerRoutes(services, links));
  app.route('/', versionRoutes(services, links));
  return app;
}
