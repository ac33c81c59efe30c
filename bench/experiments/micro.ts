// EXPERIMENT (evidence for bench/findings.md; not part of `npm run bench`): per-call costs of the pieces
// a warm metadata request runs, in a hot loop (JIT warm; real requests pay more through cache misses).
// Run: node --import tsx bench/experiments/micro.ts
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import semver from 'semver';
import { tagToVersion } from '../../src/layout/names.js';
import { parseProviderAddress } from '../../src/providers/addresses.js';
import { createLogger } from '../../src/wiring/server-app.js';
import { createSealedTokens } from '../../src/core/sealed-token.js';

function bench(name: string, n: number, fn: () => unknown): void {
  for (let i = 0; i < n / 10; i++) fn();
  const t = performance.now();
  for (let i = 0; i < n; i++) fn();
  const us = ((performance.now() - t) * 1000) / n;
  process.stdout.write(`| ${name} | ${us.toFixed(2)} µs |\n`);
}

const logger = createLogger('warn', new Writable({ write: (_c, _e, cb) => cb() }));
const tokens = createSealedTokens(['bench-download-url-secret-0123456789abcdef']);
const payload = { r: 'providers/127.0.0.1_4000/acme/widget', d: `sha256:${'a'.repeat(64)}`, s: 1234, t: 'application/zip', p: 'anonymous' };
const tags = Array.from({ length: 20 }, (_, i) => `1.0.${i}`);
const shuffled = Array.from({ length: 1000 }, (_, i) => `1.${Math.floor(i / 100)}.${i % 100}`).sort(() => Math.random() - 0.5);
const parsed = shuffled.map((v) => semver.parse(v)!);
const platforms = [
  { os: 'darwin', arch: 'arm64' },
  { os: 'linux', arch: 'amd64' },
  { os: 'windows', arch: 'amd64' },
];
const body = { versions: shuffled.map((v) => ({ version: v, protocols: ['5.0'], platforms })) };

process.stdout.write('| operation | cost per call |\n|---|---|\n');
bench('pino logger.child({reqId}) (redaction configured, level warn)', 200_000, () => logger.child({ reqId: 'abc' }));
bench('randomUUID()', 200_000, () => randomUUID());
bench('new AbortController().signal', 200_000, () => new AbortController().signal);
bench('seal one download ticket (AES-256-GCM)', 100_000, () => tokens.seal(payload, 300));
bench('parseProviderAddress(host:port, ns, type)', 200_000, () => parseProviderAddress('127.0.0.1:45073', 'acme', 'widget'));
bench('tagToVersion over 20 tags', 20_000, () => tags.map(tagToVersion));
bench('sort 1,000 version strings with semver.compare', 200, () => [...shuffled].sort(semver.compare));
bench('sort 1,000 pre-parsed SemVer objects', 200, () => [...parsed].sort((a, b) => a.compare(b)));
bench('JSON.stringify of a 1,000-version body (144 KiB)', 500, () => JSON.stringify(body));
