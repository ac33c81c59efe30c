// Runs the real `tf-oci-registry` command line (`node --import tsx src/main.ts …`) as a user would, with
// the environment of this process plus `env`, minus the publish command's server URL and token unless
// `env` gives them (a developer's shell may export them). Resolves with the exit code and both outputs.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 180_000): Promise<CliRun> {
  const base = { ...process.env };
  delete base.TF_OCI_REGISTRY_URL;
  delete base.TF_OCI_REGISTRY_TOKEN;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/main.ts', ...args],
      { cwd: ROOT, env: { ...base, ...env, NODE_NO_WARNINGS: '1' }, timeout: timeoutMs },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
