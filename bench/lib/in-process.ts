// The application in-process, wired EXACTLY as src/main.ts wires it (loadConfig from the same
// environment as the server process -> createStore -> createServerApp), except that the
// store is wrapped by test/support/counting-store.ts so every upstream call is counted, and requests go
// through `app.request` (no socket). A fresh instance has cold caches. An adjustable clock (a forward
// offset on Date.now, installed before the caches are built, which capture Date.now) lets a scenario
// step over the tags TTL and the tag -> digest TTL without waiting.
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { Hono } from 'hono';
import { loadConfig } from '../../src/config/load.js';
import type { AppEnv } from '../../src/http/env.js';
import type { SharedDeps } from '../../src/wiring/server-app.js';
import { createLogger, createServerApp, createStore } from '../../src/wiring/server-app.js';
import { countingStore, type CountingStore } from '../../test/support/counting-store.js';

export interface InProcessApp {
  app: Hono<AppEnv>;
  store: CountingStore;
  deps: SharedDeps;
}

export function createInProcessApp(env: Record<string, string>): InProcessApp {
  const config = loadConfig({ env, readFile: (p) => readFileSync(p, 'utf8'), randomSecret: () => 'unused-random-secret' });
  const sink = new Writable({ write: (_chunk, _enc, cb) => cb() });
  const logger = createLogger(config.log.level, sink);
  const store = countingStore(createStore(config, logger));
  const { app, shared } = createServerApp(config, logger, store);
  return { app, store, deps: shared };
}

export interface OffsetClock {
  /** Moves Date.now forward by `ms`. */
  advance(ms: number): void;
  /** Puts the real Date.now back. */
  restore(): void;
}

/** Installs a Date.now that runs `offset` ms ahead of the real clock (0 at first). */
export function installOffsetClock(): OffsetClock {
  const real = Date.now;
  let offset = 0;
  Date.now = () => real() + offset;
  return {
    advance(ms) {
      offset += ms;
    },
    restore() {
      Date.now = real;
    },
  };
}
