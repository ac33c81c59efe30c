// Test helpers around the REAL GnuPG CLI (2.2), so that signature tests use keys and signatures made the way
// publishers make them: a throwaway GNUPGHOME, `--batch --passphrase ''`, RSA-3072, ed25519, and a
// certify-only primary with an ed25519 signing subkey (docs/design/oci-registries.md §8).
// Without gpg: tests skip loudly outside CI and fail in CI (process.env.CI set).
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const hasGpg = spawnSync('gpg', ['--version'], { stdio: 'ignore' }).status === 0;

/**
 * `skip` option for node:test: a reason when gpg is missing and we are not in CI, else false (in CI the
 * tests run and fail on the missing binary, so a broken CI image cannot pass silently).
 */
export const gpgSkip: string | false = hasGpg || process.env.CI ? false : 'gpg (GnuPG 2.2) is not installed: OpenPGP tests SKIPPED';
if (gpgSkip) console.warn(`\n!!! ${gpgSkip} (apt-get install gnupg); CI fails instead of skipping.\n`);

export type KeyKind = 'rsa3072' | 'ed25519' | 'subkey';

export interface TestKey {
  kind: KeyKind;
  email: string;
  /** Primary key fingerprint (upper-case hex). */
  fingerprint: string;
  /** Primary key id (last 16 hex of the fingerprint). */
  keyId: string;
  /** The key id that makes signatures: the primary's, or the signing subkey's for kind 'subkey'. */
  signingKeyId: string;
}

export interface GpgHome {
  dir: string;
  /** Runs gpg in this home with `--batch`; resolves with stdout. */
  gpg(args: string[], input?: Buffer): Promise<Buffer>;
  /**
   * Generates a key, valid one year (or `expire`, gpg syntax such as "10d"). `fakedTime` (gpg
   * `--faked-system-time`, e.g. "20200101T000000") creates it in the past.
   */
  generateKey(kind: KeyKind, email: string, opts?: { expire?: string; fakedTime?: string }): Promise<TestKey>;
  exportPublicKey(key: TestKey): Promise<string>;
  /** A detached signature over `data`, binary unless `armor`; `fakedTime` signs in the past. */
  detachSign(key: TestKey, data: Buffer, opts?: { armor?: boolean; fakedTime?: string }): Promise<Buffer>;
  /** Stops this home's gpg-agent and deletes the directory. */
  close(): Promise<void>;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, input?: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { env, encoding: 'buffer', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr.toString()}`));
      else resolve(stdout);
    });
    // gpg may exit without reading stdin (key generation): its exit status reports failures, not EPIPE.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
  });
}

/** A fresh GNUPGHOME under the system temp dir (short path: the agent socket lives there). */
export async function createGpgHome(): Promise<GpgHome> {
  if (!hasGpg) throw new Error('gpg is not installed; it is required for the OpenPGP tests (apt-get install gnupg)');
  const dir = await mkdtemp(join(tmpdir(), 'tfgpg-'));
  const env = { ...process.env, GNUPGHOME: dir, LC_ALL: 'C' };
  const gpg = (args: string[], input?: Buffer): Promise<Buffer> =>
    run('gpg', ['--batch', '--yes', '--no-tty', '--passphrase', '', '--pinentry-mode', 'loopback', ...args], env, input);
  const faked = (t?: string): string[] => (t ? ['--faked-system-time', `${t}!`, '--ignore-time-conflict'] : []);

  async function fingerprintOf(email: string): Promise<{ primary: string; subkeys: string[] }> {
    const out = (await gpg(['--with-colons', '--fingerprint', '--list-keys', `<${email}>`])).toString();
    const fprs: Array<{ sub: boolean; fpr: string }> = [];
    let sub = false;
    for (const line of out.split('\n')) {
      const f = line.split(':');
      if (f[0] === 'pub' || f[0] === 'sub') sub = f[0] === 'sub';
      if (f[0] === 'fpr') fprs.push({ sub, fpr: f[9] as string });
    }
    const primary = fprs.find((x) => !x.sub)?.fpr;
    if (!primary) throw new Error(`no key for ${email}:\n${out}`);
    return { primary, subkeys: fprs.filter((x) => x.sub).map((x) => x.fpr) };
  }

  return {
    dir,
    gpg,
    async generateKey(kind, email, opts = {}) {
      const expire = opts.expire ?? '1y';
      const uid = `Test ${kind} <${email}>`;
      const algo = kind === 'rsa3072' ? 'rsa3072' : 'ed25519';
      await gpg([...faked(opts.fakedTime), '--quick-gen-key', uid, algo, kind === 'subkey' ? 'cert' : 'sign', expire]);
      let { primary, subkeys } = await fingerprintOf(email);
      if (kind === 'subkey') {
        await gpg([...faked(opts.fakedTime), '--quick-add-key', primary, 'ed25519', 'sign', expire]);
        ({ primary, subkeys } = await fingerprintOf(email));
      }
      const keyId = primary.slice(-16);
      const signingKeyId = kind === 'subkey' ? (subkeys[0] as string).slice(-16) : keyId;
      return { kind, email, fingerprint: primary, keyId, signingKeyId };
    },
    async exportPublicKey(key) {
      return (await gpg(['--armor', '--export', key.fingerprint])).toString();
    },
    async detachSign(key, data, opts = {}) {
      return gpg(
        [...faked(opts.fakedTime), '--local-user', key.fingerprint, ...(opts.armor ? ['--armor'] : []), '--output', '-', '--detach-sign'],
        data,
      );
    },
    async close() {
      await run('gpgconf', ['--kill', 'gpg-agent'], env).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
