// What a download is, for the metrics and usage observers (metrics never label by `by`): read from the ticket's
// repository name (src/layout/names.ts: <prefix>/providers/<host>/<namespace>/<type>,
// <prefix>/modules/<host>/<namespace>/<name>/<system>) and the file name the URL ends with
// (terraform-provider-<type>_<version>_<os>_<arch>.zip, ..._SHA256SUMS, ..._SHA256SUMS.sig).
import { componentToHostname } from '../layout/names.js';

export interface DownloadFacts {
  /** "provider" zip, "module" archive, or "file" (SHA256SUMS, signatures, anything else). */
  kind: 'provider' | 'module' | 'file';
  /** hostname/namespace/type, hostname/namespace/name/system, or "" when the repository is neither. */
  subject: string;
  /** The version the file name carries, or "". */
  version: string;
  /** os_arch of a provider package, else "". */
  platform: string;
  /** Bytes the answer carries (0 for a redirect). */
  bytes: number;
  /** Who the download URL was issued to (usage reports only): a token label or a principal. */
  by?: string;
}

const PROVIDER_FILE = /^terraform-provider-[^_]+_([^_]+)_(?:([a-z0-9]+)_([a-z0-9]+)\.zip|SHA256SUMS(?:\.sig)?)$/;

export function downloadFacts(repository: string, filename: string, bytes: number, by?: string): DownloadFacts {
  const who = by !== undefined ? { by } : {};
  const segs = repository.split('/');
  const host = (i: number) => {
    try {
      return componentToHostname(segs.at(i) ?? '');
    } catch {
      return segs.at(i) ?? '';
    }
  };
  if (segs.length >= 4 && segs.at(-4) === 'providers') {
    const subject = `${host(-3)}/${segs.at(-2)}/${segs.at(-1)}`;
    const m = PROVIDER_FILE.exec(filename);
    if (m?.[2] !== undefined) return { kind: 'provider', subject, version: m[1]!, platform: `${m[2]}_${m[3]}`, bytes, ...who };
    return { kind: 'file', subject, version: m?.[1] ?? '', platform: '', bytes, ...who };
  }
  if (segs.length >= 5 && segs.at(-5) === 'modules') {
    const version = /-(\d+\.\d+\.\d+[^/]*)\.zip$/.exec(filename)?.[1] ?? '';
    return { kind: 'module', subject: `${host(-4)}/${segs.at(-3)}/${segs.at(-2)}/${segs.at(-1)}`, version, platform: '', bytes, ...who };
  }
  return { kind: 'file', subject: '', version: '', platform: '', bytes, ...who };
}
