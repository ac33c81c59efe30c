// The one wiring of the application: from a Config to the logger, the store, the caches, the token
// sealer, every feature's use cases, access control and the HTTP app over them. `serve`, the tests and the
// benchmarks all build the application here; the only place concrete implementations are chosen,
// everything below receives them injected.
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import pino, { type Logger } from 'pino';
import { createApplication, type Application, type MirrorMount } from '../http/app.js';
import type { RequestObserver, RequestRecord } from '../http/pipeline/pipeline.js';
import { createMetrics, type Metrics } from '../metrics/metrics.js';
import { instrumentStore } from '../metrics/instrumented-store.js';
import { createUsageServices, type UsageServices } from '../usage/services.js';
import { createAccessControl, type AccessControl } from '../auth/access-control.js';
import type { Config } from '../config/load.js';
import type { DownloadMode, StorageConfig } from '../config/config.js';
import { createLayoutStore } from '../oci/layout-store.js';
import { createRegistryStore } from '../oci/remote/registry-store.js';
import type { OciStore } from '../oci/store.js';
import { createReadCaches } from '../read-cache/read-caches.js';
import type { TicketDeps } from '../core/download-tickets.js';
import type { StoreScope } from '../core/scope.js';
import type { ReadContext } from '../read-cache/read-context.js';
import { createServices, type Services } from '../providers/services.js';
import { createDownloadServices, type DownloadServices } from '../downloads/services.js';
import type { DownloadDeps } from '../downloads/downloads.js';
import { createReadiness, type Readiness } from '../core/readiness.js';
import { createMirrorServices, type MirrorServices } from '../mirror/services.js';
import { createUpstreams, lazyUpstreamDispatcher, mirrorWriter, serviceWriter } from './upstreams.js';
import { createModuleServices, type ModuleServices } from '../modules/services.js';
import { KeyedLock } from '../core/keyed-lock.js';
import { createPublishServices, type PublishServices } from '../publishing/services.js';
import { createSealedTokens } from '../core/sealed-token.js';
import { createCatalog } from '../web/catalog.js';
import { createWebSessions } from '../web/session.js';
import { createLogDestination } from './log-destination.js';

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
    (destination ?? createLogDestination()) as pino.DestinationStream,
  );
}

/** The configured [storage], or (`storage` given) a mirror service's store. */
export function createStore(config: Config, logger: Logger, storage: StorageConfig = config.storage): OciStore {
  if (storage.kind === 'layout') return createLayoutStore({ path: storage.path });
  // Delegate mode: the store has NO credential of its own, so any call made without the caller's
  // credential is anonymous upstream, never privileged (the config refuses storage.username there too).
  const credential =
    config.auth.mode !== 'delegate' && (storage.username !== undefined || storage.password !== undefined)
      ? { username: storage.username ?? '', password: storage.password ?? '' }
      : undefined;
  return createRegistryStore({
    url: storage.url!,
    plainHttp: storage.plainHttp,
    ...(credential ? { credential } : {}),
    // No dispatcher: the store keeps separate pools for metadata, blob downloads and uploads, so slow
    // download clients never starve metadata reads, the API or /readyz (src/oci/remote/registry-store.ts).
    timeoutMs: config.server.requestTimeout * 1000,
    userAgent: 'tf-oci-registry',
    logger,
    proxy: config.proxy,
  });
}

/** What the features share: the read cache, download tickets, the store scope, a temp dir, the download mode. */
export interface SharedDeps extends ReadContext, TicketDeps, StoreScope {
  tmpDir: string;
  downloadMode: DownloadMode;
}

/** One additional mirror service ([[mirror.service]]): its store and the use cases over it. */
export interface MirrorServiceDeps extends MirrorMount {
  store: OciStore;
  shared: SharedDeps;
}

export interface ServerDeps {
  shared: SharedDeps;
  services: Services;
  downloads: DownloadServices;
  readiness: Readiness;
  moduleServices: ModuleServices;
  publishServices: PublishServices;
  mirror: MirrorServices;
  /** The additional mirror services, in configuration order. */
  mirrorServices: MirrorServiceDeps[];
  /** Removes what killed processes left in the temp dir (publish spool, module work dirs, mirror fetches); `serve` runs it every lease. */
  sweepTemp: () => Promise<void>;
}

export interface ServerDepsOptions {
  /** Clock in ms for download tickets, records and the read caches (tests). */
  now?: () => number;
  /** Temp directory for spooled uploads and hash computations (tests check it is left empty). */
  tmpDir?: string;
  /** Extra request observers (tests); metrics and usage register theirs here. */
  observers?: readonly RequestObserver[];
  /** The stores of the additional mirror services by name (tests); default: made from their config. */
  serviceStores?: ReadonlyMap<string, OciStore>;
  /** Wraps every store (the main one, then each service's by name) before use: the metrics' instrumentation. */
  wrapStore?: (store: OciStore, name: string) => OciStore;
  /** Told each platform import's outcome (the metrics). */
  onImportOutcome?: (outcome: 'imported' | 'skipped' | 'failed', reason: string) => void;
}

/** The shared dependencies over one store: read caches, ticket sealing, the scope, the download mode. */
function createShared(
  config: Config,
  logger: Logger,
  store: OciStore,
  place: { storage: StorageConfig; downloadMode: DownloadMode; tokenContext: string },
  opts: ServerDepsOptions,
): SharedDeps {
  const now = opts.now ?? Date.now;
  const registryUrl = place.storage.url;
  return {
    store,
    prefix: place.storage.prefix,
    registryHostname: config.server.registryHostname, // normalized by the config loader
    // Caches and memo tables, their sizes and lifetimes: src/read-cache/read-caches.ts. Version tags are not
    // moved by this server; a shared tag -> index entry is revalidated in the background after 30 tag TTLs.
    ...createReadCaches({
      store,
      logger,
      tagsTtlMs: config.cache.tagsTtl * 1000,
      downloadTtl: config.server.downloadUrlTtl,
      maxBytes: config.cache.maxBytes,
      now,
    }),
    tokens: createSealedTokens(config.server.secrets, now, place.tokenContext),
    downloadTtl: config.server.downloadUrlTtl,
    downloadMode: place.downloadMode,
    // Direct mode: the registry's blob URL (distribution-spec "Pulling blobs"); the config allows it only
    // for registry stores outside delegate mode (src/config/storage-config.ts).
    ...(place.downloadMode === 'direct' && registryUrl !== undefined
      ? { directBlobUrl: (repository: string, digest: string) => `${registryUrl}/v2/${repository}/blobs/${digest}` }
      : {}),
    tmpDir: opts.tmpDir ?? join(tmpdir(), 'tf-oci-registry'),
    logger,
  };
}

export function createServerDeps(config: Config, logger: Logger, given: OciStore, opts: ServerDepsOptions = {}): ServerDeps {
  const now = opts.now ?? Date.now;
  const store = opts.wrapStore ? opts.wrapStore(given, 'main') : given;
  const shared = createShared(
    config,
    logger,
    store,
    { storage: config.storage, downloadMode: config.server.downloadMode, tokenContext: '' },
    opts,
  );
  const locks = new KeyedLock();
  const moduleServices = createModuleServices({
    ...shared,
    limits: { ...config.modules },
    uploadLease: config.publish.uploadLease,
    claimSettleMs: config.publish.claimSettleMs,
    locks,
    now: () => new Date(opts.now ? opts.now() : Date.now()),
  });
  const { uploadUrlTtl, uploadLease, claimSettleMs, ...limits } = config.publish;
  const publishServices = createPublishServices({
    ...shared,
    publicUrl: config.server.publicUrl,
    limits,
    uploadTtl: uploadUrlTtl,
    uploadLease,
    claimSettleMs,
    now: () => new Date(opts.now ? opts.now() : Date.now()),
  });
  const upstreamDispatcher = lazyUpstreamDispatcher(config.proxy);
  // Every mirror of this process fetches into the same temp dir: one set of in-use names, one staleness.
  const mirrorTemp = { tempInUse: new Set<string>(), staleTempMs: config.publish.uploadLease * 1000 };
  const mirror = createMirrorServices({
    ...shared,
    upstreams: createUpstreams(config, config.mirror.upstreams, upstreamDispatcher),
    upstreamTtlMs: config.mirror.upstreamTtl * 1000,
    ...mirrorTemp,
    writer: mirrorWriter(config),
    locks,
    now,
    ...(opts.onImportOutcome ? { onImportOutcome: opts.onImportOutcome } : {}),
  });
  const mirrorServices = config.mirror.services.map((svc): MirrorServiceDeps => {
    const svcLogger = logger.child({ mirrorService: svc.name });
    const made = opts.serviceStores?.get(svc.name) ?? createStore(config, svcLogger, svc.storage);
    const svcStore = opts.wrapStore ? opts.wrapStore(made, svc.name) : made;
    // Each service seals with its own key domain: its URLs never open another store's blobs.
    const svcShared = createShared(
      config,
      svcLogger,
      svcStore,
      { storage: svc.storage, downloadMode: svc.downloadMode, tokenContext: `mirror service ${svc.name}` },
      opts,
    );
    return {
      name: svc.name,
      basePath: svc.basePath,
      store: svcStore,
      shared: svcShared,
      services: createServices(svcShared),
      downloads: createDownloadServices(svcShared),
      ...(svc.upstreams.length > 0
        ? {
            mirror: createMirrorServices({
              ...svcShared,
              upstreams: createUpstreams(config, svc.upstreams, upstreamDispatcher),
              upstreamTtlMs: svc.upstreamTtl * 1000,
              ...mirrorTemp,
              writer: serviceWriter(svc),
              locks,
              now,
              ...(opts.onImportOutcome ? { onImportOutcome: opts.onImportOutcome } : {}),
            }),
          }
        : {}),
    };
  });
  return {
    mirrorServices,
    shared,
    services: createServices(shared),
    mirror,
    downloads: createDownloadServices({ ...shared, ...downloadOffload(config, given) }),
    readiness: createReadiness(store),
    moduleServices,
    publishServices,
    sweepTemp: async () => {
      await Promise.all([publishServices.sweepTemp(), moduleServices.sweepTemp(), mirror.sweepTemp()]);
    },
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
    servicePaths: config.mirror.services.map((s) => s.basePath),
  });
}

export interface ServerApp extends ServerDeps, Application {
  access: AccessControl;
  /** Prometheus metrics when [metrics] enabled = true (serve.ts runs metrics.listen from it). */
  metrics?: Metrics;
  /** Usage reports when [usage] enabled = true (serve.ts starts its flushes and flushes at shutdown). */
  usage?: UsageServices;
}

/** The whole application for a config over a store: what `serve` runs and what tests exercise. */
export function createServerApp(config: Config, logger: Logger, store: OciStore, opts: ServerDepsOptions = {}): ServerApp {
  // Metrics (docs/operations.md#metrics): every store call is counted through a wrapper, every request
  // through a pipeline observer; nothing of it exists when metrics are off.
  const metrics = config.metrics.enabled ? createMetrics() : undefined;
  const wrapStore = metrics ? (s: OciStore, name: string) => instrumentStore(s, name, metrics) : undefined;
  const deps = createServerDeps(config, logger, store, {
    ...opts,
    ...(wrapStore ? { wrapStore } : {}),
    ...(metrics ? { onImportOutcome: (o: 'imported' | 'skipped' | 'failed', r: string) => metrics.importOutcome(o, r) } : {}),
  });
  if (metrics) {
    metrics.watchCache('main', deps.shared.content);
    for (const svc of deps.mirrorServices) metrics.watchCache(svc.name, svc.shared.content);
  }
  const usage = config.usage.enabled
    ? createUsageServices({
        store: deps.shared.store,
        content: deps.shared.content,
        logger,
        prefix: config.storage.prefix,
        registryHostname: config.server.registryHostname,
        writer: mirrorWriter(config),
        flushIntervalSeconds: config.usage.flushInterval,
        now: opts.now ?? Date.now,
      })
    : undefined;
  const observers = [
    ...(opts.observers ?? []),
    ...(metrics ? [(r: RequestRecord) => metrics.observe(r)] : []),
    ...(usage ? [(r: RequestRecord) => usage.observe(r)] : []),
  ];
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
    mirrorMounts: deps.mirrorServices,
    clientIdleMs: config.server.requestTimeout * 1000,
    ...(usage ? { usage, accessFields: usage.accessFields } : {}),
    ...(metrics && config.metrics.listen === undefined ? { metrics: () => metrics.render() } : {}),
    ...(observers.length > 0 ? { observers } : {}),
    web: {
      mode: config.auth.mode,
      sessions: createWebSessions(config.server.secrets, opts.now),
      // The catalog (docs/web.md#catalog): a layout store lists its directories; a registry store has none yet.
      catalog: createCatalog({
        prefix: config.storage.prefix,
        // The store as given (not the metrics wrapper, which forwards only the OciStore calls).
        ...(store.listRepositories
          ? {
              list: store.listRepositories.bind(store),
              source: config.storage.kind === 'layout' ? ('layout' as const) : ('_catalog' as const),
            }
          : {}),
      }),
      upstreams: [...config.mirror.upstreams.map((u) => u.hostname)],
    },
  });
  return { ...deps, ...application, access, ...(metrics ? { metrics } : {}), ...(usage ? { usage } : {}) };
}

/**
 * server.download_offload (docs/mirror.md#download-offload), main store only (nginx's internal location
 * proxies one registry, or serves one layout directory). The store as given: wrappers forward OciStore calls only.
 */
function downloadOffload(config: Config, store: OciStore): Pick<DownloadDeps, 'offload'> {
  const offload = config.server.downloadOffload;
  if (!offload || !store.blobLocation) return {};
  return { offload: { location: offload.location, locate: store.blobLocation.bind(store) } };
}
