// Small readers for upstream JSON documents: each names the document and the field that is wrong, as
// UpstreamError BAD_RESPONSE (the documents come from other servers, so nothing is trusted).
import { UpstreamError } from './errors.js';

export type JsonObject = Record<string, unknown>;

const bad = (what: string, why: string) => new UpstreamError('BAD_RESPONSE', `${what}: ${why}`);

export function asObject(value: unknown, what: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(what, 'expected a JSON object');
  return value as JsonObject;
}

export function optionalObject(obj: JsonObject, key: string, what: string): JsonObject | undefined {
  const v = obj[key];
  return v === undefined || v === null ? undefined : asObject(v, `${what} "${key}"`);
}

export function requiredString(obj: JsonObject, key: string, what: string): string {
  const v = obj[key];
  if (typeof v !== 'string' || v === '') throw bad(what, `"${key}" must be a non-empty string`);
  return v;
}

export function optionalString(obj: JsonObject, key: string, what: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw bad(what, `"${key}" must be a string`);
  return v;
}

export function optionalArray(obj: JsonObject, key: string, what: string): unknown[] {
  const v = obj[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw bad(what, `"${key}" must be an array`);
  return v;
}

export function stringArray(obj: JsonObject, key: string, what: string): string[] {
  const list = optionalArray(obj, key, what);
  if (!list.every((x) => typeof x === 'string')) throw bad(what, `"${key}" must be an array of strings`);
  return list as string[];
}

/**
 * Resolves a URL found in a document against the document's (final) URL, as Go's URL.ResolveReference
 * does in Terraform; only http and https results are accepted.
 */
export function resolveUrl(ref: string, base: URL, what: string): URL {
  let url: URL;
  try {
    url = new URL(ref, base);
  } catch (err) {
    throw new UpstreamError('BAD_RESPONSE', `${what}: invalid URL ${JSON.stringify(ref.slice(0, 200))}`, { cause: err });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw bad(what, `URL must use http or https, got ${url.protocol}`);
  if (url.username !== '' || url.password !== '') throw bad(what, 'URL must not embed a user name or password');
  url.hash = '';
  return url;
}
