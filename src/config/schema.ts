// The configuration schema: every key, its type, default and check, in one table. The loader walks this
// table for the TOML file and for the environment overrides (TF_OCI_REGISTRY_<SECTION>_<KEY>), so a key
// exists in both places or in neither, and an unknown key is an error naming it.

/**
 * `table-list`: a list of tables. In TOML an array of tables (`[[auth.tokens]]`); in the environment or a
 * `<key>_file`: JSON (an array, or an object holding the key) or a TOML document with `[[<key>]]` tables.
 */
export type FieldType = 'string' | 'integer' | 'boolean' | 'string-list' | 'enum' | 'table-list';

export interface FieldSpec {
  type: FieldType;
  default?: string | number | boolean | string[];
  values?: readonly string[];
  /** A secret: never printed; may also be given as `<key>_file` (path to a file holding the value). */
  secret?: boolean;
  min?: number;
  max?: number;
  doc: string;
}

/** Section path (dotted) -> key -> spec. */
export const CONFIG_SCHEMA = {
  server: {
    listen: { type: 'string', default: '127.0.0.1:8080', doc: 'host:port to listen on' },
    public_url: {
      type: 'string',
      doc: 'external base URL (https://host[:port]); its hostname is the registry hostname in provider addresses. Default: derived from listen',
    },
    registry_hostname: {
      type: 'string',
      doc: 'the hostname (with a non-default :port) of provider and module addresses served on providers.v1 / modules.v1, when it differs from the host of public_url (e.g. a registry name reached through a CLI host block). Default: the host of public_url',
    },
    secrets: {
      type: 'string-list',
      secret: true,
      doc: 'keys for signed download URLs; the first signs, all verify (rotation). Same list on every replica',
    },
    download_url_ttl: { type: 'integer', default: 300, min: 10, max: 86400, doc: 'lifetime of signed download URLs, seconds' },
    request_timeout: {
      type: 'integer',
      default: 30,
      min: 1,
      max: 3600,
      doc: 'upstream request timeout, seconds: includes the wait for a registry connection; also the longest silence in a blob stream (registry not sending, or client not reading)',
    },
    workers: {
      type: 'integer',
      default: 1,
      min: 0,
      max: 256,
      doc: 'server processes sharing the listener (node:cluster), each a full replica of its own; 0 = one per CPU core (docs/operations.md#workers)',
    },
    shutdown_timeout: {
      type: 'integer',
      default: 30,
      min: 0,
      max: 3600,
      doc: 'on SIGTERM/SIGINT: seconds in-flight downloads and uploads may take to finish before they are cut (docs/operations.md#shutdown)',
    },
    download_mode: {
      type: 'enum',
      values: ['proxy', 'redirect', 'direct'],
      default: 'proxy',
      doc: "proxy: stream blobs through the server; redirect: answer 307 with the object-storage location when the registry redirects blob GETs (S3, GCS, Azure backends), else stream; direct: list the registry's own blob URLs (registries that allow anonymous pulls; docs/mirror.md#download-modes)",
    },
    download_offload: {
      type: 'enum',
      values: ['none', 'x-accel-redirect'],
      default: 'none',
      doc: 'x-accel-redirect: with nginx in front, a download the server would stream is answered with X-Accel-Redirect to download_offload_location and nginx fetches the blob itself (requests must carry "X-Tf-Oci-Download-Offload: x-accel-redirect", set by nginx; docs/mirror.md#download-offload)',
    },
    download_offload_location: {
      type: 'string',
      default: '/_tf_oci_blobs/',
      doc: "the internal nginx location (a path starting and ending with /) that proxies the registry's origin, or serves the layout directory (docs/mirror.md#download-offload)",
    },
  },
  'server.tls': {
    cert: { type: 'string', doc: 'PEM certificate chain file' },
    key: { type: 'string', doc: 'PEM private key file' },
    self_signed: {
      type: 'boolean',
      default: false,
      doc: 'development: create a CA and a certificate for localhost under <storage.path>/tls and print the CA file for SSL_CERT_FILE',
    },
  },
  storage: {
    kind: {
      type: 'enum',
      values: ['layout', 'registry'],
      default: 'layout',
      doc: 'local OCI image-layout directory, or a remote OCI registry',
    },
    url: { type: 'string', doc: 'registry base URL, e.g. https://ghcr.io (kind = "registry")' },
    prefix: { type: 'string', default: '', doc: 'repository name prefix, e.g. "my-org/terraform"' },
    path: { type: 'string', default: './data', doc: 'layout directory (kind = "layout")' },
    plain_http: { type: 'boolean', default: false, doc: 'allow an http:// registry URL (e.g. on loopback)' },
    username: { type: 'string', doc: 'service credential user name for the registry' },
    password: { type: 'string', secret: true, doc: 'service credential password or token for the registry' },
  },
  auth: {
    mode: {
      type: 'enum',
      values: ['delegate', 'service', 'none'],
      doc: 'delegate: each caller\'s token is used upstream and the registry decides; service: the server\'s own API tokens and permissions over the storage credential; none: no checks. Default: delegate with storage.kind = "registry", none with "layout" (docs/auth.md)',
    },
    anonymous_read: {
      type: 'boolean',
      default: false,
      doc: 'service mode: callers without a token may read (providers:read, modules:read)',
    },
    tokens: {
      type: 'table-list',
      secret: true,
      doc: 'service mode: API tokens, each {name, sha256, permissions}; TOML [[auth.tokens]], or JSON / TOML text in the environment or auth.tokens_file',
    },
    delegate_token_as: {
      type: 'enum',
      values: ['access_token', 'password', 'refresh_token'],
      default: 'access_token',
      doc: "delegate mode: the caller's token is the registry bearer token itself, the password of delegate_username (token exchange / Basic), or an OAuth2 refresh token",
    },
    delegate_username: {
      type: 'string',
      doc: 'delegate mode: user name sent with the caller\'s token when delegate_token_as = "password"',
    },
    delegate_userpass: {
      type: 'boolean',
      default: true,
      doc: 'delegate mode: a token of the form user:password (plain or base64), or an Authorization: Basic header, is used as that user name and password',
    },
  },
  mirror: {
    base_path: { type: 'string', default: '/mirror/', doc: 'path of the provider network mirror' },
    upstream: {
      type: 'table-list',
      doc: 'pull-through: provider hostnames the mirror fetches from, each {hostname, url, signing_keys}; TOML [[mirror.upstream]] (docs/mirror.md)',
    },
    upstream_ttl: {
      type: 'integer',
      default: 300,
      min: 0,
      max: 86400,
      doc: 'seconds an upstream version listing is reused before the upstream is asked again',
    },
    username: { type: 'string', doc: 'delegate mode: the service credential pull-through writes mirrored providers with' },
    service: {
      type: 'table-list',
      secret: true,
      doc: 'additional network mirrors, each {name, base_path, url or path, prefix, plain_http, username, password, download_mode, upstream_ttl, upstream}; TOML [[mirror.service]] (docs/mirror.md#several-mirror-services)',
    },
    password: { type: 'string', secret: true, doc: 'delegate mode: password or token of mirror.username' },
  },
  cache: {
    max_bytes: {
      type: 'integer',
      default: 64 * 1024 * 1024,
      min: 0,
      doc: 'memory for immutable, digest-addressed content (manifests, small blobs, computed hashes)',
    },
    tags_ttl: {
      type: 'integer',
      default: 10,
      min: 0,
      max: 3600,
      doc: 'seconds a tag listing is reused before the registry is asked again',
    },
  },
  publish: {
    max_upload_bytes: {
      type: 'integer',
      default: 2 * 1024 ** 3,
      min: 1,
      doc: 'largest release tarball (.tar.gz) or draft file as sent, bytes',
    },
    max_unpacked_bytes: {
      type: 'integer',
      default: 4 * 1024 ** 3,
      min: 1,
      doc: 'most bytes a tarball may gunzip to (gzip bombs stop here)',
    },
    max_entry_bytes: { type: 'integer', default: 1024 ** 3, min: 1, doc: "largest single entry (one zip, and one zip's content), bytes" },
    max_entries: { type: 'integer', default: 256, min: 1, doc: 'most entries in one tarball' },
    max_small_file_bytes: {
      type: 'integer',
      default: 1024 ** 2,
      min: 1,
      doc: 'SHA256SUMS, .sig, manifest, README, CHANGELOG: most bytes each',
    },
    upload_url_ttl: {
      type: 'integer',
      default: 3600,
      min: 60,
      max: 7 * 86400,
      doc: "lifetime of a version's single-use upload URL, seconds",
    },
    upload_lease: {
      type: 'integer',
      default: 300,
      min: 1,
      max: 86400,
      doc: 'seconds a running upload holds its version without renewing; a pending upload no replica renewed for this long is errored (docs/fault-tolerance.md)',
    },
    claim_settle_ms: {
      type: 'integer',
      default: 1500,
      min: 0,
      max: 60000,
      doc: 'milliseconds a replica waits after writing a claim before reading the others back (docs/fault-tolerance.md#claims)',
    },
  },
  modules: {
    max_upload_bytes: { type: 'integer', default: 100 * 1024 * 1024, min: 1, doc: 'largest module upload (.zip or .tar.gz), bytes' },
    max_unpacked_bytes: {
      type: 'integer',
      default: 500 * 1024 * 1024,
      min: 1,
      doc: 'largest unpacked module, bytes (zip/gzip bombs stop here)',
    },
    max_file_bytes: { type: 'integer', default: 100 * 1024 * 1024, min: 1, doc: 'largest single file in a module, bytes' },
    max_entries: { type: 'integer', default: 10_000, min: 1, doc: 'most files and directories in a module' },
  },
  usage: {
    enabled: {
      type: 'boolean',
      default: true,
      doc: 'usage events (downloads, version listings) on the access line, aggregated per replica and day into the store, served at /api/v1/usage (docs/operations.md#usage)',
    },
    flush_interval: {
      type: 'integer',
      default: 300,
      min: 5,
      max: 86400,
      doc: "seconds between writes of a replica's usage to the store (a crash loses at most this much)",
    },
  },
  metrics: {
    enabled: { type: 'boolean', default: false, doc: 'serve Prometheus metrics at /metrics (docs/operations.md#metrics)' },
    listen: {
      type: 'string',
      doc: 'host:port of a separate listener for /metrics (e.g. 127.0.0.1:9464); default: /metrics on the main listener',
    },
  },
  log: {
    level: { type: 'enum', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info', doc: 'log level' },
  },
} as const satisfies Record<string, Record<string, FieldSpec>>;

export type ConfigSchema = typeof CONFIG_SCHEMA;

/** Environment variable name of a key: TF_OCI_REGISTRY_ + section path and key, upper-cased, dots as `_`. */
export function envName(section: string, key: string): string {
  return `TF_OCI_REGISTRY_${section.replaceAll('.', '_')}_${key}`.toUpperCase();
}
