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

// Service mode names the API token; the server's own identity ("service": no token, or auth.mode = "none")
// is nobody in particular; delegate mode gives a hash of the caller's credential.
function who(x: string | undefined): string {
  return x === undefined || x === 'service' ? 'anonymous' : x;
}

function listing(kind: 'provider' | 'module', subject: string, caller: string, client: string): UsageEvent {
  return { action: 'listing', kind, subject: subject.toLowerCase(), version: '', platform: '', caller, client };
}

/** The event of a finished request, or undefined when it is none (failed, other routes, checksum files). */
export function usageEventOf(
  r: UsageRequest,
  registryHostname: string,
  client: (userAgent: string | undefined) => string = clientOf,
): UsageEvent | undefined {
  if (r.status >= 400 || r.method !== 'GET' || r.route === undefined) return undefined;
  const d = r.download;
  // Downloads carry no credential: their caller is whom the download URL was issued to.
  const caller = d?.by !== undefined ? who(d.by) : r.apiToken !== undefined ? `token:${r.apiToken}` : who(r.principal);
  if (d !== undefined) {
    if (d.kind === 'file' || d.subject === '') return undefined;
    return {
      action: 'download',
      kind: d.kind,
      subject: d.subject,
      version: d.version,
      platform: d.platform,
      caller,
      client: client(r.userAgent),
    };
  }
  const p = r.params ?? {};
  const route = r.route;
  if (route === '/v1/providers/:namespace/:type/versions' && p.namespace && p.type) {
    return listing('provider', `${registryHostname}/${p.namespace}/${p.type}`, caller, client(r.userAgent));
  }
  if (route === '/v1/modules/:namespace/:name/:system/versions' && p.namespace && p.name && p.system) {
    return listing('module', `${registryHostname}/${p.namespace}/${p.name}/${p.system}`, caller, client(r.userAgent));
  }
  if (route.endsWith('/:hostname/:namespace/:type/:file') && p.file === 'index.json' && p.hostname && p.namespace && p.type) {
    return listing('provider', `${p.hostname}/${p.namespace}/${p.type}`, caller, client(r.userAgent));
  }
  return undefined;
}

/**
 * True when `b` gives the event `a` gives because usageEventOf reads the same of both: the same frozen
 * parameters object (the hot lane's, one per path), no download, and equal method, route, status class,
 * principal, API token and User-Agent.
 */
export function sameUsageEvent(a: UsageRequest, b: UsageRequest): boolean {
  return (
    b.params !== undefined &&
    a.params === b.params &&
    Object.isFrozen(b.params) &&
    a.download === undefined &&
    b.download === undefined &&
    a.method === b.method &&
    a.route === b.route &&
    a.status >= 400 === b.status >= 400 &&
    a.principal === b.principal &&
    a.apiToken === b.apiToken &&
    a.userAgent === b.userAgent
  );
}

/** "Terraform/1.8.5 (+https://www.terraform.io) terraform-provider..." -> "Terraform/1.8.5"; capped. */
export function clientOf(userAgent: string | undefined): string {
  if (!userAgent) return '';
  const first = userAgent.trim().split(/\s+/, 1)[0] ?? '';
  return /^[A-Za-z][\w.-]{0,40}\/[\w.+-]{1,40}$/.test(first) ? first : '';
}

/**
 * clientOf with a bounded memo (1,024 User-Agents): few distinct User-Agents reach a server, so the
 * request's hot path is one Map lookup instead of a trim, split and regular expression.
 */
export function memoizedClientOf(): (userAgent: string | undefined) => string {
  const known = new Map<string, string>();
  return (userAgent) => {
    if (!userAgent) return '';
    let client = known.get(userAgent);
    if (client === undefined) {
      client = clientOf(userAgent);
      if (userAgent.length <= 256) {
        if (known.size >= 1024) known.clear();
        known.set(userAgent, client);
      }
    }
    return client;
  };
}
