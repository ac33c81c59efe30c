// GET/HEAD /download/<ticket>/<filename>: streams one blob named by a sealed ticket, or in redirect
// mode answers 307 to the registry's object-storage location. HEAD answers from the ticket without an
// upstream request. GET /download/pull/<ticket>/<filename>: pull-through's first download of a platform
// (src/mirror/pull-through.ts), streamed from the upstream while it is verified and stored. Under @hono/node-server the upstream Node stream is piped
// straight into the socket (no web-stream conversion: bench/findings.md measured the difference);
// elsewhere (app.request in tests) it is wrapped as a web stream.
import { Hono } from 'hono';
import { downloadFacts } from '../../core/download-facts.js';
import type { DownloadServices } from '../../downloads/services.js';
import type { MirrorServices } from '../../mirror/services.js';
import type { AppEnv } from '../env.js';
import { attachmentDisposition, requestHeader, sendStream } from '../node-io.js';

/**
 * Download offload (docs/mirror.md#download-offload): nginx announces that it follows X-Accel-Redirect with
 * this request header (its value "x-accel-redirect"); the answer then names the registry Authorization
 * nginx must send in OFFLOAD_AUTHORIZATION (read by nginx, never passed to the client).
 */
export const OFFLOAD_REQUEST_HEADER = 'x-tf-oci-download-offload';
export const OFFLOAD_AUTHORIZATION = 'X-Tf-Oci-Registry-Authorization';

/**
 * `base`: the download path ("/download/", or "/download/m/<name>/" for an additional mirror service).
 * `clientIdleMs`: how long a client may leave a streamed answer unread (server.request_timeout).
 */
export function downloadRoutes(
  services: DownloadServices,
  mirror?: MirrorServices,
  base = '/download/',
  clientIdleMs?: number,
): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const streamOpts = clientIdleMs === undefined ? {} : { idleMs: clientIdleMs };

  if (mirror) {
    app.get(`${base}pull/:token/:filename`, async (c) => {
      const disposition = attachmentDisposition(c.req.param('filename') ?? '');
      if (c.req.method === 'HEAD') {
        return new Response(null, { status: 200, headers: { 'Content-Type': 'application/zip', 'Content-Disposition': disposition } });
      }
      const d = await mirror.openPull(c.req.param('token') ?? '', c.req.raw.signal);
      c.set('download', downloadFacts(d.repository, c.req.param('filename') ?? '', d.size ?? 0, d.issuedTo));
      const headers: Record<string, string> = {
        'Content-Type': d.contentType,
        'Content-Disposition': disposition,
        'Cache-Control': 'private, max-age=300',
        'X-Request-Id': c.get('requestId'),
        ...(d.size !== undefined ? { 'Content-Length': String(d.size) } : {}),
      };
      return sendStream(c, 200, headers, d.body, streamOpts);
    });
  }

  app.get(`${base}:token/:filename`, async (c) => {
    const token = c.req.param('token') ?? '';
    const filename = c.req.param('filename') ?? '';
    const disposition = attachmentDisposition(filename);
    if (c.req.method === 'HEAD') {
      const h = services.headDownload(token);
      return new Response(null, {
        status: 200,
        headers: { 'Content-Type': h.contentType, 'Content-Length': String(h.size), ETag: h.etag, 'Content-Disposition': disposition },
      });
    }
    const offloadable = requestHeader(c, OFFLOAD_REQUEST_HEADER) === 'x-accel-redirect';
    const d = await services.openDownload(token, c.req.raw.signal, offloadable);
    c.set('download', downloadFacts(d.repository, filename, d.redirect !== undefined ? 0 : d.size, d.issuedTo));
    if (d.offload !== undefined) {
      // nginx replaces this answer by its internal location's (the registry's bytes and type); it keeps
      // this Content-Disposition (test/downloads/offload.test.ts).
      return new Response(null, {
        status: 200,
        headers: {
          'X-Accel-Redirect': d.offload.uri,
          ...(d.offload.authorization !== undefined ? { [OFFLOAD_AUTHORIZATION]: d.offload.authorization } : {}),
          'Content-Type': d.contentType,
          'Content-Disposition': disposition,
          'Cache-Control': 'private, max-age=300',
          'X-Request-Id': c.get('requestId'),
        },
      });
    }
    if (d.redirect !== undefined) {
      // Redirect mode: the registry's short-lived object-storage URL, checked safe to pass on.
      return new Response(null, {
        status: 307,
        headers: {
          Location: d.redirect,
          'Cache-Control': 'no-store',
          'Referrer-Policy': 'no-referrer',
          'X-Request-Id': c.get('requestId'),
        },
      });
    }
    const headers = {
      'Content-Type': d.contentType,
      'Content-Length': String(d.size),
      ETag: d.etag,
      'Content-Disposition': disposition,
      'Cache-Control': 'private, max-age=300',
      'X-Request-Id': c.get('requestId'),
    };
    return sendStream(c, 200, headers, d.body, streamOpts);
  });

  return app;
}
