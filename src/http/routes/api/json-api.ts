// JSON:API plumbing for /api/v1 (https://jsonapi.org/format/1.1/): request media type (application/
// vnd.api+json, application/json accepted too), a size-capped read of the request document (its shape
// is the route schema's job, src/http/openapi/), and responses with the JSON:API media type.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { AppError } from '../../../core/app-error.js';
import type { AppEnv } from '../../env.js';

export const JSON_API = 'application/vnd.api+json';
/** Largest request document (an armored key is a few KiB; this leaves room). */
const MAX_DOCUMENT_BYTES = 1024 * 1024;

/** 415 unless the request body is JSON:API or plain JSON. */
export function requireJsonBody(c: Context<AppEnv>): void {
  const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== JSON_API && type !== 'application/json') {
    throw new AppError(
      'UNSUPPORTED_MEDIA_TYPE',
      `send the request document as ${JSON_API} (or application/json), not ${JSON.stringify(type || 'no Content-Type')}`,
    );
  }
}

async function readCapped(c: Context<AppEnv>): Promise<string> {
  const declared = Number(c.req.header('content-length'));
  if (declared > MAX_DOCUMENT_BYTES)
    throw new AppError('PAYLOAD_TOO_LARGE', `request documents are limited to ${MAX_DOCUMENT_BYTES} bytes`);
  const body = c.req.raw.body;
  if (!body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > MAX_DOCUMENT_BYTES) throw new AppError('PAYLOAD_TOO_LARGE', `request documents are limited to ${MAX_DOCUMENT_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The request document, parsed: 415 for another media type, 413 over the cap, 400 for invalid JSON. Its
 * shape is checked by the route's schema (src/http/openapi/api-route.ts).
 */
export async function readDocument(c: Context<AppEnv>): Promise<unknown> {
  requireJsonBody(c);
  try {
    return JSON.parse(await readCapped(c));
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('BAD_REQUEST', `the request body is not valid JSON: ${(err as Error).message}`);
  }
}

/** A JSON:API response document. */
export function apiResponse(c: Context<AppEnv>, doc: unknown, status: ContentfulStatusCode = 200): Response {
  c.header('Content-Type', JSON_API);
  c.header('Cache-Control', 'no-store');
  return c.body(JSON.stringify(doc), status);
}

/** 204 for a successful DELETE. */
export function noContent(c: Context<AppEnv>): Response {
  c.header('Cache-Control', 'no-store');
  return c.body(null, 204);
}
