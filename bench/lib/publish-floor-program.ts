// The "publish work floor" anchor of the publish benchmark: the smallest Node.js program that does the work a
// verifying publish cannot skip, on the same .tar.gz, against the same registry, with nothing of ours but
// the registry client (pushBlob: one streaming upload computing sha256) and the zip inspection (inspectZip:
// inflates every entry for Go's dirhash h1). No framework, auth, JSON:API, limits or logging: receive the
// tarball as the body of one HTTP PUT (node:http, as the publish receives it, from the same client), gunzip
// (1 MiB chunks, as src/publishing/tarball-ingest.ts), parse the tar (tar-stream), stream each zip to the
// registry and to a temp file in one pass, inspect it from the file (at most 2 in flight while the next zip
// streams in, as the server's spool does, here on this thread), delete it; small files (SHA256SUMS, .sig,
// manifest) read into memory and every zip's digest checked against SHA256SUMS. Answers GET / with 200 once
// listening; answers the PUT with one JSON line (wall time and CPU from the request's arrival to its end),
// or 500 with the failure, then exits.
//   node --import tsx bench/lib/publish-floor-program.ts <registry-url> <tmp-dir> <port>
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { Agent } from 'undici';
import { createRegistryStore } from '../../src/oci/remote/registry-store.js';
import { inspectZip } from '../../src/verify/zip-inspect.js';
import { readProcStat } from './proc-stat.js';

const [registryUrl, tmpDir, port] = process.argv.slice(2) as [string, string, string];

// A failure: one line for the bench (bench/lib/publish-floor.ts), no temp file left, exit 1.
process.on('uncaughtException', (err) => {
  process.stderr.write(`publish floor: ${err instanceof Error ? err.message : String(err)}\n`);
  rmSync(tmpDir, { recursive: true, force: true });
  process.exit(1);
});

const store = createRegistryStore({
  url: registryUrl,
  plainHttp: true,
  userAgent: 'tf-oci-bench-floor',
  dispatcher: new Agent({ keepAliveTimeout: 30_000 }),
});
const repository = `bench/floor-${randomUUID().slice(0, 8)}`;
mkdirSync(tmpDir, { recursive: true });

/** The whole work on one uploaded tarball; returns the JSON line of what it measured of itself. */
async function floor(source: IncomingMessage): Promise<string> {
  const p0 = readProcStat(process.pid);
  const m0 = readProcStat(process.pid, process.pid);
  const started = performance.now();

  const digests = new Map<string, string>();
  const h1s = new Map<string, string>();
  const small = new Map<string, Buffer>();
  const inspections = new Set<Promise<void>>();
  let bytes = 0;

  const extract = tar.extract();
  const flow = pipeline(source, createGunzip({ chunkSize: 1024 * 1024 }), extract);
  flow.catch(() => undefined); // awaited below
  for await (const entry of extract) {
    const name = entry.header.name;
    if (!name.endsWith('.zip')) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      small.set(name, Buffer.concat(chunks));
      continue;
    }
    while (inspections.size >= 2) await Promise.race(inspections);
    const file = join(tmpDir, `${randomUUID()}.zip`);
    const upload = new PassThrough({ highWaterMark: 1 << 20 });
    const push = store.pushBlob(repository, upload);
    push.catch((err: unknown) => upload.destroy(err as Error));
    const disk = createWriteStream(file, { highWaterMark: 1 << 20 });
    for await (const chunk of entry) {
      const toRegistry = upload.write(chunk);
      const toDisk = disk.write(chunk);
      bytes += (chunk as Buffer).length;
      // Raced with the push: a refused push destroys `upload`, which then never drains.
      if (!toRegistry) await Promise.race([once(upload, 'drain'), push]);
      if (!toDisk) await once(disk, 'drain');
    }
    upload.end();
    disk.end();
    const [blob] = await Promise.all([push, finished(disk)]);
    digests.set(name, blob.digest.slice('sha256:'.length));
    const job = inspectZip(file)
      .then((inspection) => void h1s.set(name, inspection.h1))
      .finally(() => rm(file, { force: true }))
      .finally(() => inspections.delete(job));
    inspections.add(job);
  }
  await flow;
  await Promise.all(inspections);

  // SHA256SUMS: every zip listed with the digest the push computed.
  const sums = [...small].find(([n]) => n.endsWith('_SHA256SUMS'))?.[1];
  if (!sums || ![...small.keys()].some((n) => n.endsWith('_SHA256SUMS.sig')))
    throw new Error('no SHA256SUMS or no signature in the tarball');
  const listed = new Map(
    sums
      .toString('utf8')
      .trim()
      .split('\n')
      .map((line) => [line.slice(66), line.slice(0, 64)] as const),
  );
  for (const [name, hex] of digests) if (listed.get(name) !== hex) throw new Error(`${name}: sha256 ${hex} is not its SHA256SUMS line`);
  if (h1s.size !== digests.size) throw new Error(`${digests.size} zips pushed, ${h1s.size} inspected`);

  const ms = performance.now() - started;
  const p1 = readProcStat(process.pid);
  const m1 = readProcStat(process.pid, process.pid);
  return `${JSON.stringify({
    ms,
    zips: digests.size,
    bytes: bytes + [...small.values()].reduce((n, b) => n + b.length, 0),
    cpuMs: p1.cpuMs - p0.cpuMs,
    mainUserMs: m1.userMs - m0.userMs,
    mainSysMs: m1.sysMs - m0.sysMs,
    minorFaults: p1.minflt - p0.minflt,
  })}\n`;
}

const server = createServer((req, res) => {
  if (req.method !== 'PUT') {
    res.end('ready\n');
    return;
  }
  floor(req).then(
    (line) => res.end(line, () => process.exit(0)),
    (err: unknown) => {
      rmSync(tmpDir, { recursive: true, force: true });
      res.statusCode = 500;
      res.end(`publish floor: ${err instanceof Error ? err.message : String(err)}\n`, () => process.exit(1));
    },
  );
});
server.listen(Number(port), '127.0.0.1');
