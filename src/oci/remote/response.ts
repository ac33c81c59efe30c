// Bounded reading of registry responses and the mapping of error responses to OciError. Bodies are
// read with caps (4 MiB metadata, 8 KiB error bodies, as oras-go does) so a hostile or broken registry
// cannot exhaust memory; the distribution-spec error body {"errors":[{code,message,detail}]} becomes
// OciError.wire.
// Reference: https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#error-codes
import type { Readable } from 'node:stream';
import { OciError, type OciErrorCode, type WireError } from '../errors.js';
import { parseChallenges } from './challenge.js';
import { header, redactUrl, transportError, type HttpResponse } from './transport.js';

/** Error bodies are read up to this size; the rest is discarded. */
export const MAX_ERROR_BYTES = 8 * 1024;

/** Reads a whole body, failing with TOO_LARGE (and destroying the stream) past `cap` bytes. */
export async function readCapped(res: HttpResponse, cap: number, what: string, signal?: AbortSignal): Promise<Buffer> {
  const declared = Number(header(res.headers, 'content-length'));
  if (Number.isFinite(declared) && declared > cap) {
    destroyBody(res.body);
    throw new OciError('TOO_LARGE', `${what} of ${declared} bytes exceeds the ${cap}-byte limit`, {
      method: res.method,
      url: redactUrl(res.url),
    });
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > cap) {
        destroyBody(res.body);
        throw new OciError('TOO_LARGE', `${what} exceeds the ${cap}-byte limit`, { method: res.method, url: redactUrl(res.url) });
      }
      chunks.push(chunk);
    }
  } catch (err) {
    throw transportError(err, res.method, res.url, signal);
  }
  return Buffer.concat(chunks, total);
}

/** Reads at most `cap` bytes of a body and drops the rest. Never throws. */
async function readPrefix(body: Readable, cap: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      total += chunk.length;
      if (total >= cap) break; // leaving the loop destroys the stream
    }
  } catch {
    // an error body that cannot be read is reported without its details
  }
  return Buffer.concat(chunks).subarray(0, cap);
}

function ignore(): void {}

/** Destroys a body we will not read (undici reports that as an 'error' event, expected here). */
export function destroyBody(body: Readable): void {
  body.on('error', ignore);
  body.destroy();
}

/** Discards a response body we do not need, keeping the connection reusable when it is small. */
export async function discard(res: HttpResponse): Promise<void> {
  const body = res.body as Readable & { dump?: (o: { limit: number }) => Promise<void> };
  if (typeof body.dump === 'function') await body.dump({ limit: 64 * 1024 }).catch(() => undefined);
  else destroyBody(body);
}

/** Parses a distribution-spec error body; [] when it is not one. */
export function parseWireErrors(bytes: Buffer): WireError[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    return [];
  }
  if (typeof parsed !== 'object' || parsed === null) return [];
  const errors = (parsed as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return [];
  const out: WireError[] = [];
  for (const e of errors) {
    if (typeof e !== 'object' || e === null) continue;
    const { code, message, detail } = e as { code?: unknown; message?: unknown; detail?: unknown };
    if (typeof code !== 'string') continue;
    out.push({ code, ...(typeof message === 'string' ? { message } : {}), ...(detail === undefined ? {} : { detail }) });
  }
  return out;
}

function codeFor(status: number, wire: readonly WireError[], challenge: string | undefined): OciErrorCode {
  const codes = new Set(wire.map((w) => w.code));
  if (status === 401) {
    const insufficient = parseChallenges(challenge).some((c) => c.params['error'] === 'insufficient_scope');
    return insufficient ? 'DENIED' : 'UNAUTHORIZED';
  }
  if (status === 403) return 'DENIED';
  if (status === 404) return 'NOT_FOUND';
  if (status === 405 || codes.has('UNSUPPORTED')) return 'UNSUPPORTED';
  if (status === 413) return 'TOO_LARGE';
  if (status === 429 || codes.has('TOOMANYREQUESTS')) return 'RATE_LIMITED';
  if (status === 408 || status === 504) return 'TIMEOUT';
  if (status >= 500) return 'UNAVAILABLE';
  if (status === 400 || status === 416) {
    if (codes.has('DIGEST_INVALID')) return 'DIGEST_MISMATCH';
    if (codes.has('SIZE_INVALID')) return 'SIZE_MISMATCH';
    return 'INVALID';
  }
  return 'PROTOCOL';
}

export interface ResponseErrorOptions {
  /** The request was anonymous: a refusal then means "log in" (UNAUTHORIZED), not DENIED. */
  anonymous?: boolean;
  /** What was being done, for the message (e.g. "fetch manifest a/b:1.0"). */
  what?: string;
}

/** Builds the OciError for an unexpected response, reading (at most 8 KiB of) its body. */
export async function responseError(res: HttpResponse, opts: ResponseErrorOptions = {}): Promise<OciError> {
  const bytes = res.method === 'HEAD' ? Buffer.alloc(0) : await readPrefix(res.body, MAX_ERROR_BYTES);
  if (res.method === 'HEAD') await discard(res);
  const wire = parseWireErrors(bytes);
  const challenge = header(res.headers, 'www-authenticate');
  let code = codeFor(res.status, wire, challenge);
  if (opts.anonymous && code === 'DENIED') code = 'UNAUTHORIZED';
  const first = wire[0];
  const detail = first ? `${first.code}${first.message ? `: ${first.message}` : ''}` : bytes.toString('utf8').trim().slice(0, 200);
  const where = `${res.method} ${redactUrl(res.url)}`;
  const message = `${opts.what ? `${opts.what}: ` : ''}${where}: status ${res.status}${detail ? ` (${detail})` : ''}`;
  return new OciError(code, message, {
    status: res.status,
    method: res.method,
    url: redactUrl(res.url),
    wire,
    ...(challenge !== undefined && (res.status === 401 || res.status === 403) ? { challenge } : {}),
  });
}
