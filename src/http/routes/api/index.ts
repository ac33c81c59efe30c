// The publishing API under /api/v1 (JSON:API): gpg-keys, providers, provider-versions, drafts and the
// upload URL, registered on the /api/v1 group (src/http/app.ts); errors go through the app's one onError,
// which answers /api/ paths with application/vnd.api+json error documents.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { PublishServices } from '../../../publishing/services.js';
import type { AppEnv } from '../../env.js';
import { gpgKeyRoutes } from './gpg-keys.js';
import { versionRoutes } from './provider-versions.js';
import { providerRoutes } from './providers.js';
import { ApiLinks } from './resources.js';

export function apiRoutes(app: OpenAPIHono<AppEnv>, services: PublishServices, publicUrl: URL): void {
  const links = new ApiLinks(publicUrl);
  gpgKeyRoutes(app, services, links);
  providerRoutes(app, services, links);
  versionRoutes(app, services, links);
}
