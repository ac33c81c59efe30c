// Hono environment shared by every route: per-request variables set by the request-context middleware,
// and the Node bindings (incoming/outgoing) when served by @hono/node-server (absent in app.request tests).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Caller } from '../core/caller.js';
import type { DownloadFacts } from '../core/download-facts.js';
import type { RequestLog } from './pipeline/request-log.js';

export interface AppEnv {
  Bindings: { incoming?: IncomingMessage; outgoing?: ServerResponse };
  Variables: {
    requestId: string;
    /** The request's logger: `c.get('log').logger.warn(…)` (created on first use, carries reqId). */
    log: RequestLog;
    caller: Caller;
    /** Set by a handler whose answer already carries X-Request-Id (request-context.ts adds it otherwise). */
    requestIdSent?: boolean;
    /** Set by the download routes: what is being downloaded, for metrics and usage (never who). */
    download?: DownloadFacts;
    /** Set by the error handler: why the request failed, for the publish outcome metrics (error-handler.ts). */
    outcome?: string;
  };
}
