// Helpers to build check results and to describe a failed store call in one line.
import { isOciError } from '../oci/errors.js';
import type { CheckResult } from './types.js';

export const ok = (name: string, message: string): CheckResult => ({ name, status: 'ok', message });
export const warn = (name: string, message: string, hint: string): CheckResult => ({ name, status: 'warn', message, hint });
export const fail = (name: string, message: string, hint: string): CheckResult => ({ name, status: 'fail', message, hint });
export const skip = (name: string, message: string): CheckResult => ({ name, status: 'skip', message });

/** One line for an error of a store call: the OCI error code and HTTP status when known, and the message. */
export function describeError(err: unknown): string {
  if (isOciError(err)) return `${err.code}${err.status !== undefined ? ` (HTTP ${err.status})` : ''}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

/** True for an answer meaning "this registry does not do that" (405, 400 UNSUPPORTED, 501). */
export function isUnsupported(err: unknown): boolean {
  if (!isOciError(err)) return false;
  return err.code === 'UNSUPPORTED' || err.status === 405 || err.status === 501 || (err.wire ?? []).some((w) => w.code === 'UNSUPPORTED');
}
