// A throwaway GnuPG signing identity for end-to-end tests, driven through the real `gpg` CLI (so a
// release is signed exactly the way a provider author's CI signs it): a fresh RSA key in a temp
// GNUPGHOME, its armored public key, binary detached signatures, and an independent verification
// in a second keyring that only knows the exported public key.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestSigner {
  gnupgHome: string;
  /** 40 uppercase hex digits. */
  fingerprint: string;
  /** Long key id: the last 16 hex digits of the fingerprint. */
  keyId: string;
  /** `-----BEGIN PGP PUBLIC KEY BLOCK-----` ... */
  publicKeyArmored: string;
  /** Writes a binary detached signature of `file` to `sigPath` (default `<file>.sig`) and returns its path. */
  sign(file: string, sigPath?: string): Promise<string>;
  /** Stops the gpg-agent of the temp home and deletes it. */
  cleanup(): Promise<void>;
}

export interface TestSignerOptions {
  uid?: string;
  /** gpg --quick-gen-key algorithm. Default rsa3072 (what Terraform's go-crypto handles best). */
  algo?: string;
}

/** Generates a new passphrase-less signing key in its own temp GNUPGHOME. */
export async function createTestSigner(opts: TestSignerOptions = {}): Promise<TestSigner> {
  const home = await mkdtemp(join(tmpdir(), 'tfoci-gpg-'));
  const gpg = (args: string[]) => gpgIn(home, args);
  try {
    const uid = opts.uid ?? 'tf-oci-registry e2e <e2e@example.test>';
    await gpg(['--passphrase', '', '--pinentry-mode', 'loopback', '--quick-gen-key', uid, opts.algo ?? 'rsa3072', 'sign', '1y']);
    const { stdout: colons } = await gpg(['--with-colons', '--list-keys', uid]);
    const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(colons)?.[1];
    if (!fingerprint) throw new Error(`no fingerprint in gpg --list-keys output:\n${colons}`);
    const { stdout: publicKeyArmored } = await gpg(['--armor', '--export', fingerprint]);
    return {
      gnupgHome: home,
      fingerprint,
      keyId: fingerprint.slice(-16),
      publicKeyArmored,
      async sign(file, sigPath = `${file}.sig`) {
        await gpg([
          '--yes',
          '--passphrase',
          '',
          '--pinentry-mode',
          'loopback',
          '--local-user',
          fingerprint,
          '--output',
          sigPath,
          '--detach-sign',
          file,
        ]);
        return sigPath;
      },
      cleanup: () => removeHome(home),
    };
  } catch (err) {
    await removeHome(home);
    throw err;
  }
}

/**
 * `gpg --verify` of a detached signature in a fresh keyring holding only `publicKeyArmored`.
 * `ok` is true only for a good signature (exit 0 and a GOODSIG status line).
 */
export async function gpgVerifyDetached(publicKeyArmored: string, file: string, sigPath: string): Promise<{ ok: boolean; output: string }> {
  const home = await mkdtemp(join(tmpdir(), 'tfoci-gpgv-'));
  try {
    const keyFile = join(home, 'key.asc');
    await writeFile(keyFile, publicKeyArmored);
    await gpgIn(home, ['--import', keyFile]);
    try {
      const { stdout, stderr } = await gpgIn(home, ['--status-fd', '1', '--verify', sigPath, file]);
      return { ok: /^\[GNUPG:\] GOODSIG /m.test(stdout), output: stdout + stderr };
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
    }
  } finally {
    await removeHome(home);
  }
}

function gpgIn(home: string, args: string[]) {
  return run('gpg', ['--batch', '--no-tty', '--homedir', home, ...args], {
    env: { ...process.env, GNUPGHOME: home },
    timeout: 60_000,
  });
}

async function removeHome(home: string): Promise<void> {
  await run('gpgconf', ['--homedir', home, '--kill', 'all']).catch(() => undefined);
  await rm(home, { recursive: true, force: true });
}
