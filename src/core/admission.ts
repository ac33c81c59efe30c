// The access decision the HTTP layer asks for on every request, as a plain function of the method, the
// path and the Authorization header: who the use cases act as, and whether the request may proceed.
// src/auth/access-control.ts implements it per auth mode; the request-context middleware and the hot lane
// (hot-lane.ts) are its only callers, so both paths into the application decide alike.
import type { Caller } from './caller.js';

export interface Admission {
  /** The identity the use cases act as upstream (its credential, if any, is the caller's own). */
  caller: Caller;
  /** The API token that was checked (service mode), bound to the request's log lines for audit. */
  apiToken?: string;
}

/** Decides for one request; throws an AppError (401/403 with WWW-Authenticate) when it is refused. */
export type Admit = (method: string, path: string, authorization: string | undefined) => Admission;

const SERVICE: Admission = { caller: { principal: 'service' } };

/** No access control: every request acts as the server's own identity (store credentials). */
export const admitAll: Admit = () => SERVICE;
