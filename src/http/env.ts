// Hono environment shared by every route: per-request variables set by the request-context middleware,
// and the Node bindings (incoming/outgoing) when served by @hono/node-server (absent in app.request tests).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Caller } from '../registry/context.js';

export interface AppEnv {
  Bindings: { incoming?: IncomingMessage; outgoing?: ServerResponse };
  Variables: {
    requestId: string;
    log: Logger;
    caller: Caller;
  };
}
