// JSON:API plumbing for /api/v1 (https://jsonapi.org/format/1.1/): request media type (application/
// vnd.api+json, application/json accepted too), a size-capped read of the request document, its
// `data` member checked for the expected type, and responses with the JSON:API media type.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { AppError } from '../../../core/app-error.js';
import type { AppEnv } from '../../env.js';

export const JSON_API = 'application/vnd.api+json';
/** Largest request document (an armored key is a few KiB; this leaves room). */
const MAX_DOCUMENT_BYTES = 1024 * 1024;

export interface RequestData {
  attributes: Record<string, unknown>;
  relationships: Record<string, unknown>;
}

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

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads `{"data": {"type": <type>, "attributes": {...}, "relationships": {...}}}`. 400 for a body that is
 * not such a document; 409 for another `type` (JSON:API "Creating Resources"); for a PATCH, `id`, when
 * given, must equal the URL's.
 */
export async function readData(c: Context<AppEnv>, type: string, id?: string): Promise<RequestData> {
  requireJsonBody(c);
  let doc: unknown;
  try {
    doc = JSON.parse(await readCapped(c));
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('BAD_REQUEST', `the request body is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(doc) || !isObject(doc.data)) {
    throw new AppError('BAD_REQUEST', 'the request body must be a JSON:API document {"data": {"type": …, "attributes": {…}}}', {
      source: { pointer: '/data' },
    });
  }
  const data = doc.data;
  if (data.type !== type) {
    throw new AppError('CONFLICT', `resource type must be "${type}", got ${JSON.stringify(data.type ?? null)}`, {
      source: { pointer: '/data/type' },
    });
  }
  if (id !== undefined && data.id !== undefined && data.id !== id) {
    throw new AppError('CONFLICT', `resource id ${JSON.stringify(data.id)} does not match the URL's ${JSON.stringify(id)}`, {
      source: { pointer: '/data/id' },
    });
  }
  const attributes = data.attributes ?? {};
  const relationships = data.relationships ?? {};
  if (!isObject(attributes))
    throw new AppError('BAD_REQUEST', '"attributes" must be an object', { source: { pointer: '/data/attributes' } });
  if (!isObject(relationships))
    throw new AppError('BAD_REQUEST', '"relationships" must be an object', { source: { pointer: '/data/relationships' } });
  return { attributes, relationships };
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

/** `true`/`false`/absent query flag; anything else is a 400 naming the parameter. */
export function booleanQuery(c: Context<AppEnv>, name: string): boolean {
  const v = c.req.query(name);
  if (v === undefined || v === 'false' || v === '0') return false;
  if (v === 'true' || v === '1' || v === '') return true;
  throw new AppError('BAD_REQUEST', `query parameter ${name} must be true or false`, { source: { parameter: name } });
}
