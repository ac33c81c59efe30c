// A throwaway certificate authority and server certificate, made with the `openssl` CLI, for serving
// HTTPS to the real terraform CLI in end-to-end tests (discovery and network mirrors are https-only).
// terraform trusts the CA through `SSL_CERT_FILE=<caPath>`, which Go honours on Linux (not macOS).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Names the server certificate is valid for unless told otherwise. */
export const DEFAULT_TLS_HOSTS = ['localhost', '127.0.0.1', 'registry.example.test'] as const;

export interface TestTls {
  dir: string;
  caPath: string;
  certPath: string;
  keyPath: string;
  /** PEM contents of the three files (for https.createServer / undici). */
  ca: string;
  cert: string;
  key: string;
  cleanup(): Promise<void>;
}

/** Creates `ca.pem`, `cert.pem` (signed by the CA) and `key.pem` in a new temp dir. */
export async function createTestTls(hosts: readonly string[] = DEFAULT_TLS_HOSTS): Promise<TestTls> {
  const dir = await mkdtemp(join(tmpdir(), 'tfoci-tls-'));
  const p = (name: string) => join(dir, name);
  const openssl = (args: string[]) => run('openssl', args, { cwd: dir, timeout: 60_000 });
  try {
    const san = hosts.map((h) => (/^[0-9.]+$|:/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
    await writeFile(
      p('server.ext'),
      [
        'basicConstraints = critical, CA:FALSE',
        'keyUsage = critical, digitalSignature, keyEncipherment',
        'extendedKeyUsage = serverAuth',
        `subjectAltName = ${san}`,
        '',
      ].join('\n'),
    );
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    await openssl([
      'req',
      '-x509',
      ...ec,
      '-keyout',
      p('ca-key.pem'),
      '-out',
      p('ca.pem'),
      '-days',
      '7',
      '-subj',
      '/CN=tf-oci-registry test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    await openssl(['req', '-new', ...ec, '-keyout', p('key.pem'), '-out', p('server.csr'), '-subj', `/CN=${hosts[0] ?? 'localhost'}`]);
    await openssl([
      'x509',
      '-req',
      '-in',
      p('server.csr'),
      '-CA',
      p('ca.pem'),
      '-CAkey',
      p('ca-key.pem'),
      '-CAcreateserial',
      '-out',
      p('cert.pem'),
      '-days',
      '7',
      '-extfile',
      p('server.ext'),
    ]);
    const [ca, cert, key] = await Promise.all(['ca.pem', 'cert.pem', 'key.pem'].map((n) => readFile(p(n), 'utf8')));
    return {
      dir,
      caPath: p('ca.pem'),
      certPath: p('cert.pem'),
      keyPath: p('key.pem'),
      ca: ca!,
      cert: cert!,
      key: key!,
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
