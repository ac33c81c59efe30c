// Checks of JSON:API request attributes shared by every API resource (publishing, modules, imports).
// Attribute names are the API's (kebab-case), so every refusal points at the exact member with a JSON:API
// `source.pointer` (https://jsonapi.org/format/1.1/#error-objects).
import { AppError } from './app-error.js';

/** Raw JSON:API `attributes` of a request, values not yet checked. */
export type Attributes = Record<string, unknown>;

/** 422 pointing at `/data/attributes/<name>` (or any pointer starting with "/"). */
export function invalid(member: string, message: string): AppError {
  const pointer = member.startsWith('/') ? member : `/data/attributes/${member}`;
  return new AppError('VALIDATION_FAILED', message, { source: { pointer } });
}

/** A required non-empty string attribute. */
export function requiredString(attrs: Attributes, name: string, maxLength = 1024): string {
  const v = attrs[name];
  if (v === undefined || v === null || v === '') throw invalid(name, `attribute "${name}" is required`);
  if (typeof v !== 'string') throw invalid(name, `attribute "${name}" must be a string`);
  if (v.length > maxLength) throw invalid(name, `attribute "${name}" is longer than ${maxLength} characters`);
  return v;
}

/** An optional string attribute ("" when absent or null). */
export function optionalString(attrs: Attributes, name: string, maxLength = 4096): string {
  const v = attrs[name];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw invalid(name, `attribute "${name}" must be a string`);
  if (v.length > maxLength) throw invalid(name, `attribute "${name}" is longer than ${maxLength} characters`);
  return v;
}

/** Refuses attributes outside `allowed`, naming the first one and why (immutable or unknown). */
export function onlyAttributes(attrs: Attributes, allowed: readonly string[], immutable: readonly string[], what: string): void {
  for (const name of Object.keys(attrs)) {
    if (allowed.includes(name)) continue;
    if (immutable.includes(name)) throw invalid(name, `attribute "${name}" of a ${what} cannot be changed`);
    throw invalid(name, `unknown attribute "${name}" for a ${what}`);
  }
}

/** Runs a normalizer (layout/names.ts) and turns its error into a 422 on `member`. */
export function normalized(member: string, fn: () => string): string {
  try {
    return fn();
  } catch (err) {
    throw invalid(member, (err as Error).message);
  }
}

/** Locale-independent string order (file names, ids): by UTF-16 code unit. */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
