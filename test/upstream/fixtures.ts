// Fixtures for the src/upstream tests: real zips (yazl), a real SHA256SUMS signed with an in-process
// OpenPGP key (openpgp v6), and real HTTP servers on 127.0.0.1 ephemeral ports that speak providers.v1
// and the network mirror protocol the way public registries do.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import * as openpgp from 'openpgp';
import yazl from 'yazl';

export interface TestKey {
  armoredPublic: string;
  keyId: string;
  sign(data: Buffer): Promise<Buffer>;
}

export async function generateKey(name = 'Publisher'): Promise<TestKey> {
  const { privateKey, publicKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [{ name, email: `${name.toLowerCase()}@example.test` }],
    format: 'object',
  });
  return {
    armoredPublic: publicKey.armor(),
    keyId: publicKey.getKeyID().toHex().toUpperCase(),
    async sign(data) {
      const message = await openpgp.createMessage({ binary: data });
      return Buffer.from(await openpgp.sign({ message, signingKeys: privateKey, detached: true, format: 'binary' }));
    },
  };
}

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** A provider zip holding one small "binary". */
export async function makeZip(type: string, version: string, os: string, arch: string): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const name = `terraform-provider-${type}_v${version}${os === 'windows' ? '.exe' : ''}`;
  zip.addBuffer(Buffer.from(`#!/bin/sh\n# ${type} ${version} ${os}_${arch}\n`), name, { mtime: new Date(2020, 0, 1), mode: 0o100755 });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream as Readable) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export interface FixtureRelease {
  type: string;
  version: string;
  zips: Array<{ os: string; arch: string; filename: string; bytes: Buffer; sha256: string }>;
  shasums: Buffer;
  signature: Buffer;
  key: TestKey;
}

export async function makeRelease(
  type: string,
  version: string,
  platforms: Array<[string, string]>,
  key: TestKey,
  opts: { omitFromShasums?: string } = {},
): Promise<FixtureRelease> {
  const zips = [];
  for (const [os, arch] of platforms) {
    const bytes = await makeZip(type, version, os, arch);
    zips.push({ os, arch, filename: `terraform-provider-${type}_${version}_${os}_${arch}.zip`, bytes, sha256: sha256(bytes) });
  }
  const lines = zips.filter((z) => z.filename !== opts.omitFromShasums).map((z) => `${z.sha256}  ${z.filename}\n`);
  lines.push(`${'0'.repeat(64)}  terraform-provider-${type}_${version}_manifest.json\n`);
  const shasums = Buffer.from(lines.join(''));
  return { type, version, zips, shasums, signature: await key.sign(shasums), key };
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

export interface TestServer {
  /** http://127.0.0.1:<port> */
  origin: string;
  host: string;
  /** Every request: method, path and authorization header. */
  log: Array<{ path: string; authorization: string | undefined }>;
  close(): Promise<void>;
}

export async function startServer(handler: Handler): Promise<TestServer> {
  const log: TestServer['log'] = [];
  const server: Server = createServer((req, res) => {
    log.push({ path: req.url ?? '', authorization: req.headers.authorization });
    Promise.resolve(handler(req, res)).catch((err: unknown) => {
      res.statusCode = 500;
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(res: ServerResponse, value: unknown, status = 200): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}

export function sendBytes(res: ServerResponse, bytes: Buffer): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
  res.end(bytes);
}

export function notFound(res: ServerResponse): void {
  sendJson(res, { errors: ['Not Found'] }, 404);
}

/** An address no server listens on: a port that was just free. */
export async function deadOrigin(): Promise<string> {
  const s = await startServer(() => undefined);
  await s.close();
  return s.origin;
}
