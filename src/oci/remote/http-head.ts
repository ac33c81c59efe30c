// The response head of the download client (socket-client.ts): the status line and fields, and what
// they say about the body's framing and the connection's reuse.
// Reference: RFC 9112 sections 4 (status line), 5 (field syntax), 6.3 (message body length), 9.3 (persistence)
import { OciError } from '../errors.js';

/** A response head larger than this is refused (undici's default maxHeaderSize is 16 KiB). */
export const MAX_HEAD_BYTES = 64 * 1024;

/** Parses a response head (status line + fields, without the blank line). */
export function parseHead(text: string): { version: string; status: number; headers: Record<string, string | string[]> } {
  const lines = text.split('\r\n');
  const m = /^HTTP\/(1\.[01]) ([1-9]\d\d)(?: .*)?$/.exec(lines[0] ?? '');
  if (!m) throw new OciError('PROTOCOL', `invalid HTTP status line ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`);
  const headers: Record<string, string | string[]> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name))
      throw new OciError('PROTOCOL', `invalid HTTP header line ${JSON.stringify(line.slice(0, 80))}`);
    const key = name.toLowerCase();
    const value = line.slice(colon + 1).trim();
    const seen = headers[key];
    headers[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return { version: m[1]!, status: Number(m[2]), headers };
}

/** The body length an answer declares, or undefined when it is not Content-Length framed. */
export function framedLength(status: number, headers: Record<string, string | string[]>): number | undefined {
  if (headers['transfer-encoding'] !== undefined) return undefined;
  const raw = headers['content-length'];
  if (raw === undefined) return status === 204 || status === 304 ? 0 : undefined;
  const values = (Array.isArray(raw) ? raw : [raw]).flatMap((v) => v.split(',').map((s) => s.trim()));
  if (!values.every((v) => /^\d{1,15}$/.test(v) && v === values[0])) {
    throw new OciError('PROTOCOL', `invalid Content-Length ${JSON.stringify(raw)}`);
  }
  return Number(values[0]);
}

/** Whether the connection may carry another request after this answer. */
export function keepsAlive(version: string, headers: Record<string, string | string[]>): boolean {
  const connection = [headers['connection'] ?? []].flat().join(',').toLowerCase();
  if (version === '1.0') return /\bkeep-alive\b/.test(connection);
  return !/\bclose\b/.test(connection);
}
