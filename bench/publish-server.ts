// The server process for bench/publish.ts: the production application (createServerApp, configured by
// TF_OCI_REGISTRY_* variables exactly like `src/main.ts serve`) plus the publishing API under /api/v1
// when src/app.ts does not mount it yet. Once the lead wires apiRoutes into the app, this adds nothing
// and the bench measures exactly what production runs.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { serve } from '@hono/node-server';
import { loadConfig } from '../src/config/load.js';
import { apiRoutes } from '../src/http/routes/api/index.js';
import { createPublishServices } from '../src/publish/services.js';
import { createLogger, createServerApp, createStore } from '../src/server/build-deps.js';

const config = loadConfig({ env: process.env, readFile: (p) => readFileSync(p, 'utf8'), randomSecret: () => randomBytes(32).toString('base64url') });
const logger = createLogger(config.log.level);
const store = createStore(config, logger);
const server = createServerApp(config, logger, store);
if (!server.app.routes.some((r) => r.path === '/api/v1/provider-versions')) {
  server.app.route('/api/v1', apiRoutes(createPublishServices({ ...server.registry, publicUrl: config.server.publicUrl }), config.server.publicUrl));
}
const http = serve({ fetch: server.app.fetch, hostname: config.server.listen.host, port: config.server.listen.port });
process.once('SIGTERM', () => http.close(() => process.exit(0)));
