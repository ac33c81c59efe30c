// Usage events (docs/operations.md#usage): every download of a provider package or module archive and
// every versions listing (providers.v1 versions, network mirror index.json, modules.v1 versions) is one
// event, read from the finished request: what was used, by whom (the caller's principal, never a secret)
// and with which client (the User-Agent's product/version: terraform sends "Terraform/1.8.5", OpenTofu
// "OpenTofu/1.10.10", both with more words after).
import type { DownloadFacts } from '../core/download-facts.js';

/** What the pipeline knows of a finished request (src/http/pipeline/pipeline.ts RequestRecord). */
export interface UsageRequest {
  method: string;
  route: string | undefined;
  status: number;
  principal: string | undefined;
  apiToken?: string | undefined;
  download?: DownloadFacts | undefined;
  params?: Readonly<Record<string, string>> | undefined;
  userAgent?: string | undefined;
}

export interface UsageEvent {
  /** "download" of a package, or "listing" of versions. */
  action: 'download' | 'listing';
  kind: 'provider' | 'module';
  /** hostname/namespace/type (provider) or hostname/namespace/name/system (module). */
  subject: string;
  /** "" for a listing. */
  version: string;
  /** os_arch of a provider download, else "". */
  platform: string;
  /** Who (principal), "anonymous" when nobody was identified. */
  caller: string;
  /** Client product and version from the User-Agent, e.g. "Terraform/1.8.5"; "" when unknown. */
  client: string;
}

/** The event of a finished request, or undefined when it is none (failed, other routes, checksum files). */
export function usageEventOf(r: UsageRequest, registryHostname: string): UsageEvent | undefined {
  if (r.status >= 400 || r.method !== 'GET' || r.route === undefined) return undefined;
  // Service mode names the API token; the server's own identity ("service": no token, or auth.mode =
  // "none") is nobody in particular; delegate mode gives a hash of the caller's credential.
  // Downloads carry no credential: their caller is whom the download URL was issued to.
  const who = (x: string | undefined) => (x === undefined || x === 'service' ? 'anonymous' : x);
  const caller = r.download?.by !== undefined ? who(r.download.by) : r.apiToken !== undefined ? `token:${r.apiToken}` : who(r.principal);
  const client = clientOf(r.userAgent);
  const d = r.download;
  if (d !== undefined) {
    if (d.kind === 'file' || d.subject === '') return undefined;
    return { action: 'download', kind: d.kind, subject: d.subject, version: d.version, platform: d.platform, caller, client };
  }
  const p = r.params ?? {};
  const listing = (kind: 'provider' | 'module', subject: string): UsageEvent => ({
    action: 'listing',
    kind,
    subject: subject.toLowerCase(),
    version: '',
    platform: '',
    caller,
    client,
  });
  if (r.route === '/v1/providers/:namespace/:type/versions' && p.namespace && p.type) {
    return listing('provider', `${registryHostname}/${p.namespace}/${p.type}`);
  }
  if (r.route === '/v1/modules/:namespace/:name/:system/versions' && p.namespace && p.name && p.system) {
    return listing('module', `${registryHostname}/${p.namespace}/${p.name}/${p.system}`);
  }
  if (r.route.endsWith('/:hostname/:namespace/:type/:file') && p.file === 'index.json' && p.hostname && p.namespace && p.type) {
    return listing('provider', `${p.hostname}/${p.namespace}/${p.type}`);
  }
  return undefined;
}

/** "Terraform/1.8.5 (+https://www.terraform.io) terraform-provider..." -> "Terraform/1.8.5"; capped. */
export function clientOf(userAgent: string | undefined): string {
  if (!userAgent) return '';
  const first = userAgent.trim().split(/\s+/, 1)[0] ?? '';
  return /^[A-Za-z][\w.-]{0,40}\/[\w.+-]{1,40}$/.test(first) ? first : '';
}
