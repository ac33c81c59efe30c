// createApp(deps): the whole HTTP application, with every dependency injected (no I/O at import time).
// Mounts the route groups, the request context, and the single error handler; createApplication also
// returns the hot lane that serves the warm metadata routes in front of Hono (src/http/hot-lane.ts).
import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { AppEnv } from './http/env.js';
import { notFound, onError } from './http/error-handler.js';
import { admitAll, type Admit } from './http/admission.js';
import { requestContext } from './http/request-context.js';
import { discoveryRoutes } from './http/routes/discovery.js';
import { downloadRoutes } from './http/routes/downloads.js';
import { healthRoutes } from './http/routes/health.js';
import { createHotLane, type ListenerWrapper } from './http/hot-lane.js';
import { mirrorHotRoutes, mirrorRoutes } from './http/routes/mirror.js';
import { providersV1HotRoutes, providersV1Routes } from './http/routes/providers-v1.js';
import { apiRoutes } from './http/routes/api/index.js';
import { modulesApiRoutes } from './http/routes/modules-api.js';
import { modulesV1HotRoutes, modulesV1Routes } from './http/routes/modules-v1.js';
import type { ModuleServices } from './modules/services.js';
import type { PublishServices } from './publish/services.js';
import type { Services } from './registry/services.js';

export interface AppDeps {
  services: Services;
  /** The provider publishing API under /api/v1; absent = read-only server. */
  publishServices?: PublishServices;
  /** Module registry protocol and module publishing; absent = modules not served. */
  moduleServices?: ModuleServices;
  logger: Logger;
  /** External base URL, ending with "/". */
  publicUrl: URL;
  /** Network mirror base path, starting and ending with "/". */
  mirrorBasePath: string;
  /**
   * Access control (issue 5, src/auth/access-control.ts): who is calling and whether they may, decided
   * once per request before any route. Absent = no checks, every caller acts as the server's identity.
   */
  admit?: Admit;
}

export interface Application {
  /** The whole application (every route): app.fetch / app.request. */
  app: Hono<AppEnv>;
  /**
   * For a Node server: wraps the listener made from `app.fetch` so that the hot read routes are answered
   * in front of Hono (src/http/hot-lane.ts); same answers, less CPU per warm metadata request.
   */
  hotLane: ListenerWrapper;
}

export function createApp(deps: AppDeps): Hono<AppEnv> {
  return createApplication(deps).app;
}

export function createApplication(deps: AppDeps): Application {
  const app = new Hono<AppEnv>();
  const downloadBase = new URL('download/', deps.publicUrl).href;
  const admit = deps.admit ?? admitAll;
  // The hot read routes, built once: mounted on Hono below and served by the hot lane (same objects).
  const providerRoutes = providersV1HotRoutes(deps.services, downloadBase);
  const moduleRoutes = deps.moduleServices ? modulesV1HotRoutes(deps.moduleServices) : [];
  const mirrorDocumentRoutes = mirrorHotRoutes(deps.services, deps.mirrorBasePath, downloadBase);

  app.onError(onError);
  app.notFound(notFound);
  app.use('*', requestContext(deps.logger, admit));

  app.route('/', healthRoutes(deps.services));
  app.route('/', discoveryRoutes(deps.moduleServices ? { 'modules.v1': '/v1/modules/' } : {}));
  app.route('/', providersV1Routes(providerRoutes));
  if (deps.publishServices) app.route('/api/v1', apiRoutes(deps.publishServices, deps.publicUrl));
  if (deps.moduleServices) {
    app.route('/', modulesV1Routes(deps.moduleServices, downloadBase, moduleRoutes));
    app.route('/api/v1', modulesApiRoutes(deps.moduleServices, deps.publicUrl));
  }
  app.route('/', mirrorRoutes(mirrorDocumentRoutes));
  app.route('/', downloadRoutes(deps.services));
  // In Hono's order of registration, so that the first match is the same route on both paths.
  const hotLane = createHotLane({ routes: [...providerRoutes, ...moduleRoutes, ...mirrorDocumentRoutes], admit, logger: deps.logger });
  return { app, hotLane };
}
