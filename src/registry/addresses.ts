// Parses provider addresses from request paths into normalized parts, once, at the boundary. Invalid
// parts become 404s naming the part: such a provider cannot exist here.
import { AppError } from '../errors.js';
import { normalizeHostname, normalizeProviderNamespace, normalizeProviderType } from '../layout/names.js';

export interface ProviderAddress {
  hostname: string;
  namespace: string;
  type: string;
  /** `hostname/namespace/type`, for messages. */
  display: string;
}

export function parseProviderAddress(hostname: string, namespace: string, type: string): ProviderAddress {
  try {
    const h = normalizeHostname(hostname);
    const ns = normalizeProviderNamespace(namespace);
    const t = normalizeProviderType(type);
    return { hostname: h, namespace: ns, type: t, display: `${h}/${ns}/${t}` };
  } catch (err) {
    throw new AppError('PROVIDER_NOT_FOUND', (err as Error).message, { cause: err });
  }
}
