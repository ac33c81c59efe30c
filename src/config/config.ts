// The validated configuration the server runs with (what loadConfig returns), and the error every
// configuration problem is reported as. Types only, plus the error class.
import type { ProxySettings } from '../oci/proxy.js';
import type { AuthConfig } from '../auth/config.js';

export interface Config {
  /** Outbound HTTP proxies from HTTPS_PROXY / HTTP_PROXY / NO_PROXY (docs/operations.md#outbound-proxy). */
  proxy: ProxySettings;
  server: {
    listen: { host: string; port: number };
    publicUrl: URL;
    /** Hostname of provider/module addresses (normalized later by the layout rules). */
    registryHostname: string;
    secrets: string[];
    /** True when no secret was configured and a random one was made (single-replica use only). */
    secretsGenerated: boolean;
    downloadUrlTtl: number;
    requestTimeout: number;
    /** Server processes sharing the listener (node:cluster); 0 = one per CPU core. */
    workers: number;
    /** Seconds in-flight requests may take to finish on SIGTERM/SIGINT (docs/operations.md#shutdown). */
    shutdownTimeout: number;
    /** How download URLs reach the bytes (docs/mirror.md#download-modes). */
    downloadMode: DownloadMode;
    /** With nginx in front: X-Accel-Redirect to this internal location prefix (docs/mirror.md#download-offload). */
    downloadOffload?: { kind: 'x-accel-redirect'; location: string };
    tls: { cert?: string; key?: string; selfSigned: boolean };
  };
  storage: StorageConfig;
  auth: AuthConfig;
  mirror: {
    basePath: string;
    /** Pull-through upstreams ([[mirror.upstream]]); empty = the mirror serves only what is stored. */
    upstreams: MirrorUpstream[];
    /** Seconds an upstream version listing is reused. */
    upstreamTtl: number;
    /** The credential mirrored providers are written with (delegate mode; else the storage credential). */
    username?: string;
    password?: string;
    /** Additional network mirrors, each on its own store ([[mirror.service]]). */
    services: MirrorServiceConfig[];
  };
  cache: { maxBytes: number; tagsTtl: number };
  publish: {
    maxCompressedBytes: number;
    maxUncompressedBytes: number;
    maxEntryBytes: number;
    maxEntries: number;
    maxSmallFileBytes: number;
    uploadUrlTtl: number;
    /** Seconds an upload's lease lasts unless renewed (docs/fault-tolerance.md). */
    uploadLease: number;
    /** Milliseconds between writing a claim and reading the others back (docs/fault-tolerance.md#claims). */
    claimSettleMs: number;
  };
  modules: { maxUploadBytes: number; maxUnpackedBytes: number; maxFileBytes: number; maxEntries: number };
  /** Usage reports: on/off, and seconds between flushes to the store. */
  usage: { enabled: boolean; flushInterval: number };
  /** Prometheus metrics: off, on the main listener, or on a listener of their own. */
  metrics: { enabled: boolean; listen?: { host: string; port: number } };
  log: { level: string };
}

/**
 * "proxy" streams blobs through the server; "redirect" hands out the registry's object-storage redirects
 * (307) when it has them; "direct" lists the registry's own blob URLs (anonymous pulls only).
 */
export type DownloadMode = 'proxy' | 'redirect' | 'direct';

/** Where one store is: a layout directory or a registry URL, the repository prefix, its credential. */
export interface StorageConfig {
  kind: 'layout' | 'registry';
  url?: string;
  prefix: string;
  path: string;
  plainHttp: boolean;
  username?: string;
  password?: string;
}

/** One [[mirror.service]] (src/config/mirror-services.ts checks them): a network mirror on its own store. */
export interface MirrorServiceConfig {
  /** Short name for logs and messages ([a-z0-9-]). */
  name: string;
  /** Path of this mirror, starting and ending with "/". */
  basePath: string;
  storage: StorageConfig;
  downloadMode: DownloadMode;
  upstreams: MirrorUpstream[];
  upstreamTtl: number;
  /** Delegate mode: the credential pull-through writes with (the service's username/password). */
  writer?: { username: string; password: string };
}

/** One [[mirror.upstream]] (src/config/mirror-upstreams.ts checks them). */
export interface MirrorUpstream {
  /** Normalized provider hostname (lowercase, punycode, non-default port kept). */
  hostname: string;
  /** Base URL of the upstream's service discovery (`<url>.well-known/terraform.json`), ending with "/". */
  url: URL;
  /** Pinned signing keys (armored); empty = trust the keys the upstream returns with each release. */
  signingKeys: string[];
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
