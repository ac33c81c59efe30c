// createApp(deps): the whole HTTP application, with every dependency injected (no I/O at import time).
// Mounts the route groups behind the one request pipeline (pipeline/pipeline.ts) and the single error
// handler; createApplication also returns the pipeline's Node entry (pipeline/node-front.ts), which
// serves the warm metadata routes in front of Hono.
import { OpenAPIHono } from '@hono/zod-openapi';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { AppEnv } from './env.js';
import { notFound, onError } from './error-handler.js';
import { admitAll, type Admit } from '../core/admission.js';
import { pipelineMiddleware } from './pipeline/hono-adapter.js';
import { Pipeline, type PipelineOptions, type RequestObserver } from './pipeline/pipeline.js';
import { discoveryRoutes } from './routes/discovery.js';
import { downloadRoutes } from './routes/downloads.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes, type RenderMetrics } from './routes/metrics.js';
import { createNodeFront, type ListenerWrapper } from './pipeline/node-front.js';
import { assertPipelineShape } from './pipeline/hot-routes.js';
import { mirrorApiRoutes } from './routes/mirror-api.js';
import { usageApiRoutes } from './routes/usage-api.js';
import type { UsageServices } from '../usage/services.js';
import { mirrorHotRoutes, mirrorRoutes } from './routes/mirror.js';
import { providersV1HotRoutes, providersV1Routes } from './routes/providers-v1.js';
import { apiRoutes } from './routes/api/index.js';
import { apiDocumentRoutes } from './openapi/document-routes.js';
import { modulesApiRoutes } from './routes/modules-api.js';
import { modulesV1HotRoutes, modulesV1Routes } from './routes/modules-v1.js';
import type { MirrorServices } from '../mirror/services.js';
import type { ModuleServices } from '../modules/services.js';
import type { PublishServices } from '../publishing/services.js';
import type { Readiness } from '../core/readiness.js';
import type { DownloadServices } from '../downloads/services.js';
import type { Services } from '../providers/services.js';
import { createWebAssets } from '../web/assets.js';
import { webRoutes } from './routes/web.js';
import type { WebOptions } from './routes/web-request.js';

export interface AppDeps {
  services: Services;
  /** GET/HEAD /download/<ticket>/<filename>. */
  downloads: DownloadServices;
  /** /readyz. */
  readiness: Readiness;
  /** The provider publishing API under /api/v1; absent = read-only server. */
  publishServices?: PublishServices;
  /** Mirror population: pull-through for configured upstreams; absent = the mirror serves what is stored. */
  mirror?: MirrorServices;
  /** Module registry protocol and module publishing; absent = modules not served. */
  moduleServices?: ModuleServices;
  logger: Logger;
  /** External base URL, ending with "/". */
  publicUrl: URL;
  /** Network mirror base path, starting and ending with "/". */
  mirrorBasePath: string;
  /**
   * Access control (src/auth/access-control.ts, docs/auth.md): who is calling and whether they may, decided
   * once per request by the pipeline. Absent = no checks, every caller acts as the server's identity.
   */
  admit?: Admit;
  /** Cross-cutting concerns fed by every finished request (metrics, usage events). */
  observers?: readonly RequestObserver[];
  /** Additional network mirrors, each on its own store ([[mirror.service]], docs/mirror.md). */
  mirrorMounts?: readonly MirrorMount[];
  /** Usage reports under /api/v1/usage; absent = usage off. */
  usage?: UsageServices;
  /** Fields added to each request's access line (usage events). */
  accessFields?: PipelineOptions['accessFields'];
  /** GET /metrics on this application (metrics enabled without a listener of their own). */
  metrics?: RenderMetrics;
  /** The web pages under /ui (docs/web.md); absent = no pages. */
  web?: WebOptions;
  /**
   * How long a download's client may leave the answer unread before it is cut, ms (server.request_timeout,
   * docs/operations.md): the same limit for every body (a pooled registry body already applies its store's
   * timeout). Default DEFAULT_CLIENT_IDLE_MS.
   */
  clientIdleMs?: number;
}

/**
 * One additional network mirror: its documents under `basePath`, its downloads under
 * /download/m/<name>/ (tickets sealed for this mirror only: they name blobs of its own store), and
 * pull-through when it has upstreams.
 */
export interface MirrorMount {
  name: string;
  basePath: string;
  services: Services;
  downloads: DownloadServices;
  mirror?: MirrorServices;
}

export interface Application {
  /** The whole application (every route): app.fetch / app.request. */
  app: Hono<AppEnv>;
  /**
   * For a Node server: the pipeline's Node entry around the listener made from `app.fetch`; it starts every
   * request's scope and answers the hot read routes in front of Hono (pipeline/node-front.ts).
   */
  nodeFront: ListenerWrapper;
  /** The hot routes' patterns, in the order the front tries them (tests derive their cases from these). */
  hotPatterns: readonly string[];
}

/** Where a mirror service's download URLs live: beside the main ones, one path per service. */
function mountDownloadPath(m: MirrorMount): string {
  return `/download/m/${m.name}/`;
}

export function createApp(deps: AppDeps): Hono<AppEnv> {
  return createApplication(deps).app;
}

export function createApplication(deps: AppDeps): Application {
  const app = new Hono<AppEnv>();
  const downloadBase = new URL('download/', deps.publicUrl).href;
  const admit = deps.admit ?? admitAll;
  const pipeline = new Pipeline({
    logger: deps.logger,
    admit,
    ...(deps.observers ? { observers: deps.observers } : {}),
    ...(deps.accessFields ? { accessFields: deps.accessFields } : {}),
  });
  const middleware = pipelineMiddleware(pipeline);
  // The hot read routes, built once: mounted on Hono below and served by the Node front (same objects).
  const providerRoutes = providersV1HotRoutes(deps.services, downloadBase);
  const moduleRoutes = deps.moduleServices ? modulesV1HotRoutes(deps.moduleServices) : [];
  const mirrorDocumentRoutes = mirrorHotRoutes(deps.services, deps.mirrorBasePath, downloadBase, deps.mirror);
  const mounts = deps.mirrorMounts ?? [];
  const mountRoutes = mounts.map((m) =>
    mirrorHotRoutes(m.services, m.basePath, new URL(mountDownloadPath(m).slice(1), deps.publicUrl).href, m.mirror),
  );

  app.onError(onError);
  app.notFound(notFound);
  app.use('*', middleware);

  app.route('/', healthRoutes(deps.readiness));
  if (deps.metrics) app.route('/', metricsRoutes(deps.metrics));
  app.route('/', discoveryRoutes(deps.moduleServices ? { 'modules.v1': '/v1/modules/' } : {}));
  app.route('/', providersV1Routes(providerRoutes));
  // Every /api/v1 route, declared with its schemas (src/http/openapi/), then the reference generated from them.
  const api = new OpenAPIHono<AppEnv>();
  if (deps.publishServices) apiRoutes(api, deps.publishServices, deps.publicUrl);
  if (deps.moduleServices) modulesApiRoutes(api, deps.moduleServices, deps.publicUrl);
  if (deps.mirror) mirrorApiRoutes(api, deps.mirror, deps.publicUrl);
  if (deps.usage) usageApiRoutes(api, deps.usage);
  apiDocumentRoutes(api, deps.publicUrl);
  app.route('/api/v1', api);
  if (deps.moduleServices) app.route('/', modulesV1Routes(deps.moduleServices, downloadBase, moduleRoutes));
  app.route('/', mirrorRoutes(mirrorDocumentRoutes));
  mounts.forEach((m, i) => {
    app.route('/', mirrorRoutes(mountRoutes[i]!));
    app.route('/', downloadRoutes(m.downloads, m.mirror, mountDownloadPath(m), deps.clientIdleMs));
  });
  app.route('/', downloadRoutes(deps.downloads, deps.mirror, '/download/', deps.clientIdleMs));
  if (deps.web) {
    app.route(
      '/',
      webRoutes({
        ...deps.web,
        services: deps.services,
        publish: deps.publishServices,
        modules: deps.moduleServices,
        mirror: deps.mirror,
        usage: deps.usage,
        admit,
        assets: createWebAssets(),
        publicUrl: deps.publicUrl,
        registryHostname: deps.services.registryHostname,
        mirrorBasePath: deps.mirrorBasePath,
      }),
    );
  }
  // In Hono's order of registration, so that the first match is the same route on both entries.
  const hot = [...providerRoutes, ...moduleRoutes, ...mirrorDocumentRoutes, ...mountRoutes.flat()];
  assertPipelineShape(app.routes, hot, middleware);
  return { app, nodeFront: createNodeFront(pipeline, hot), hotPatterns: hot.map((r) => r.pattern) };
}
