// [metrics] listen: a plain HTTP listener of its own answering GET /metrics (docs/operations.md#metrics),
// run by `serve` (or, under server.workers, by the primary with every worker's metrics summed).
import { createServer as createHttpServer } from 'node:http';
import type { Logger } from 'pino';

/** [metrics] listen: a plain HTTP listener of its own answering GET /metrics (and 404 elsewhere). */
export function serveMetrics(
  listen: { host: string; port: number },
  render: () => Promise<{ contentType: string; body: string }>,
  logger: Logger,
) {
  const server = createHttpServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found: this listener serves GET /metrics only\n');
      return;
    }
    render().then(
      ({ contentType, body }) =>
        res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' }).end(req.method === 'HEAD' ? undefined : body),
      (err: unknown) => {
        logger.error({ err }, 'metrics could not be collected');
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('metrics could not be collected\n');
      },
    );
  });
  server.once('error', (err) => {
    logger.fatal({ err }, `cannot listen on ${listen.host}:${listen.port} (metrics.listen)`);
    process.exit(1);
  });
  server.listen(listen.port, listen.host, () => logger.info({ address: listen.host, port: listen.port }, 'metrics listening'));
  return server;
}
