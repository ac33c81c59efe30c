// Development TLS: a throwaway CA and a certificate for localhost/127.0.0.1/::1 (plus the public
// hostname), made once with the openssl CLI and kept under <dir>. Terraform requires HTTPS for discovery
// and mirrors and trusts this CA through SSL_CERT_FILE=<dir>/ca.pem.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DevTls {
  caFile: string;
  certFile: string;
  keyFile: string;
}

export function ensureDevTls(dir: string, hostnames: string[]): DevTls {
  const caFile = join(dir, 'ca.pem');
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  if (existsSync(caFile) && existsSync(certFile) && existsSync(keyFile)) return { caFile, certFile, keyFile };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caKey = join(dir, 'ca-key.pem');
  const csr = join(dir, 'cert.csr');
  const ext = join(dir, 'cert.ext');
  const names = [...new Set(['localhost', ...hostnames])];
  const san = [...names.map((n) => `DNS:${n}`), 'IP:127.0.0.1', 'IP:::1'].join(',');
  writeFileSync(
    ext,
    `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`,
  );
  const openssl = (...args: string[]) => {
    try {
      execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      throw new Error(`server.tls.self_signed needs the openssl command: ${(err as Error).message}`);
    }
  };
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    caKey,
    '-out',
    caFile,
    '-days',
    '825',
    '-subj',
    '/CN=tf-oci-registry development CA',
  );
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', csr, '-subj', '/CN=localhost');
  openssl('x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey, '-CAcreateserial', '-out', certFile, '-days', '825', '-extfile', ext);
  return { caFile, certFile, keyFile };
}
