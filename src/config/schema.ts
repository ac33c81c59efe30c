// The configuration schema: every key, its type, default and check, in one table. The loader walks this
// table for the TOML file and for the environment overrides (TF_OCI_REGISTRY_<SECTION>_<KEY>), so a key
// exists in both places or in neither, and an unknown key is an error naming it.

export type FieldType = 'string' | 'integer' | 'boolean' | 'string-list' | 'enum';

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
    secrets: {
      type: 'string-list',
      secret: true,
      doc: 'keys for signed download URLs; the first signs, all verify (rotation). Same list on every replica',
    },
    download_url_ttl: { type: 'integer', default: 300, min: 10, max: 86400, doc: 'lifetime of signed download URLs, seconds' },
    request_timeout: { type: 'integer', default: 30, min: 1, max: 3600, doc: 'upstream metadata request timeout, seconds' },
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
    kind: { type: 'enum', values: ['layout', 'registry'], default: 'layout', doc: 'local OCI image-layout directory, or a remote OCI registry' },
    url: { type: 'string', doc: 'registry base URL, e.g. https://ghcr.io (kind = "registry")' },
    prefix: { type: 'string', default: '', doc: 'repository name prefix, e.g. "my-org/terraform"' },
    path: { type: 'string', default: './data', doc: 'layout directory (kind = "layout")' },
    plain_http: { type: 'boolean', default: false, doc: 'allow an http:// registry URL (e.g. on loopback)' },
    username: { type: 'string', doc: 'service credential user name for the registry' },
    password: { type: 'string', secret: true, doc: 'service credential password or token for the registry' },
  },
  mirror: {
    base_path: { type: 'string', default: '/mirror/', doc: 'path of the provider network mirror' },
  },
  cache: {
    max_bytes: { type: 'integer', default: 64 * 1024 * 1024, min: 0, doc: 'memory for immutable, digest-addressed content (manifests, small blobs, computed hashes)' },
    tags_ttl: { type: 'integer', default: 10, min: 0, max: 3600, doc: 'seconds a tag listing is reused before the registry is asked again' },
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
