// The one wiring of the application: from a Config to the logger, the store, the caches, the token
// sealer, every feature's use cases, access control and the HTTP app over them. `serve`, the tests and the
// benchmarks all build the application here; the only place concrete implementations are chosen,
// everything below receives them injected.
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Agent } from 'undici';
import pino, { type Logger } from 'pino';
import { createApplication, type Application } from '../http/app.js';
import type { RequestObserver } from '../http/pipeline/pipeline.js';
import { createAccessControl, type AccessControl } from '../auth/access-control.js';
import type { Config } from '../config/load.js';
import { createLayoutStore } from '../oci/layout-store.js';
import { createRegistryStore } from '../oci/remote/registry-store.js';
import type { OciStore } from '../oci/store.js';
import { createReadCaches } from '../read-cache/read-caches.js';
import type { TicketDeps } from '../core/download-tickets.js';
import type { StoreScope } from '../core/scope.js';
import type { ReadContext } from '../read-cache/read-context.js';
import { createServices, type Services } from '../providers/services.js';
import { createDownloadServices, type DownloadServices } from '../downloads/services.js';
import { createReadiness, type Readiness } from '../core/readiness.js';
import { createMirrorServices, type MirrorServices } from '../mirror/services.js';
import { createUpstreamDispatcher, createUpstreams, mirrorWriter } from './upstreams.js';
import { createModuleServices, type ModuleServices } from '../modules/services.js';
import { KeyedLock } from '../core/keyed-lock.js';
import { createPublishServices, type PublishServices } from '../publishing/services.js';
import { createSealedTokens } from '../core/sealed-token.js';

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: {
        paths: [
          '*.authorization',
          '*.Authorization',
          '*.password',
          '*.token',
          '*.credential',
          'headers.authorization',
          '*.accessToken',
          '*.refreshToken',
          '*.credentials',
          'credential',
          'authorization',
        ],
        censor: '[redacted]',
      },
    },
    destination as pino.DestinationStream | undefined,
  );
}

export function createStore(config: Config, logger: Logger): OciStore {
  if (config.storage.kind === 'layout') return createLayoutStore({ path: config.storage.path });
  // Delegate mode: the store has NO credential of its own, so any call made without the caller's
  // credential is anonymous upstream, never privileged (the config refuses storage.username there too).
  const credential =
    config.auth.mode !== 'delegate' && (config.storage.username !== undefined || config.storage.password !== undefined)
      ? { username: config.storage.username ?? '', password: config.storage.password ?? '' }
      : undefined;
  return createRegistryStore({
    url: config.storage.url!,
    plainHttp: config.storage.plainHttp,
    ...(credential ? { credential } : {}),
    dispatcher: new Agent({ keepAliveTimeout: 30_000, connections: 64 }),
    timeoutMs: config.server.requestTimeout * 1000,
    userAgent: 'tf-oci-registry',
    logger,
  });
}

/** What the features share: the read cache, download tickets, the store scope, a temp dir, the download mode. */
export interface SharedDeps extends ReadContext, TicketDeps, StoreScope {
  tmpDir: string;
  downloadMode: 'proxy' | 'redirect';
}

export interface ServerDeps {
  shared: SharedDeps;
  services: Services;
  downloads: DownloadServices;
  readiness: Readiness;
  moduleServices: ModuleServices;
  publishServices: PublishServices;
  mirror: MirrorServices;
}

export interface ServerDepsOptions {
  /** Clock in ms for download tickets, records and the read caches (tests). */
  now?: () => number;
  /** Temp directory for spooled uploads and hash computations (tests check it is left empty). */
  tmpDir?: string;
  /** Extra request observers (tests); metrics and usage register theirs here. */
  observers?: readonly RequestObserver[];
}

export function createServerDeps(config: Config, logger: Logger, store: OciStore, opts: ServerDepsOptions = {}): ServerDeps {
  const now = opts.now ?? (() => Date.now());
  const shared: SharedDeps = {
    store,
    prefix: config.storage.prefix,
    registryHostname: config.server.registryHostname, // normalized by the config loader
    // Caches and memo tables, their sizes and lifetimes: src/registry/read-caches.ts. Version tags are not
    // moved by this server; a shared tag -> index entry is revalidated in the background after 30 tag TTLs.
    ...createReadCaches({
      store,
      logger,
      tagsTtlMs: config.cache.tagsTtl * 1000,
      downloadTtl: config.server.downloadUrlTtl,
      maxBytes: config.cache.maxBytes,
      now,
    }),
    tokens: createSealedTokens(config.server.secrets, now),
    downloadTtl: config.server.downloadUrlTtl,
    downloadMode: config.server.downloadMode,
    tmpDir: opts.tmpDir ?? join(tmpdir(), 'tf-oci-registry'),
    logger,
  };
  const locks = new KeyedLock();
  const moduleServices = createModuleServices({
    ...shared,
    limits: { ...config.modules },
    locks,
    now: () => new Date(opts.now ? opts.now() : Date.now()),
  });
  const { uploadUrlTtl, ...limits } = config.publish;
  const publishServices = createPublishServices({
    ...shared,
    publicUrl: config.server.publicUrl,
    limits,
    uploadTtl: uploadUrlTtl,
    now: () => new Date(opts.now ? opts.now() : Date.now()),
  });
  const mirror = createMirrorServices({
    ...shared,
    upstreams: createUpstreams(config, createUpstreamDispatcher()),
    upstreamTtlMs: config.mirror.upstreamTtl * 1000,
    writer: mirrorWriter(config),
    locks,
    now,
  });
  return {
    shared,
    services: createServices(shared),
    mirror,
    downloads: createDownloadServices(shared),
    readiness: createReadiness(store),
    moduleServices,
    publishServices,
  };
}

/** Access control (src/auth/) for the configured auth mode. */
export function createAccess(config: Config): AccessControl {
  return createAccessControl({
    mode: config.auth.mode,
    tokens: config.auth.tokens,
    anonymousRead: config.auth.anonymousRead,
    delegate: config.auth.delegate,
    mirrorBasePath: config.mirror.basePath,
  });
}

export interface ServerApp extends ServerDeps, Application {
  access: AccessControl;
}

/** The whole application for a config over a store: what `serve` runs and what tests exercise. */
export function createServerApp(config: Config, logger: Logger, store: OciStore, opts: ServerDepsOptions = {}): ServerApp {
  const deps = createServerDeps(config, logger, store, opts);
  const access = createAccess(config);
  const application = createApplication({
    services: deps.services,
    downloads: deps.downloads,
    readiness: deps.readiness,
    moduleServices: deps.moduleServices,
    mirror: deps.mirror,
    publishServices: deps.publishServices,
    logger,
    publicUrl: config.server.publicUrl,
    mirrorBasePath: config.mirror.basePath,
    admit: access.admit,
    ...(opts.observers ? { observers: opts.observers } : {}),
  });
  return { ...deps, ...application, access };
}
