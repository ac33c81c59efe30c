// Finds and loads the configuration for a command: --config FILE, else $TF_OCI_REGISTRY_CONFIG, else
// ./tf-oci-registry.toml when present; every key overridable by TF_OCI_REGISTRY_<SECTION>_<KEY>. Relative
// paths in the file resolve against the file's directory.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type Config, loadConfig } from '../config/load.js';

export function loadCommandConfig(configPath: string | undefined, processEnv: NodeJS.ProcessEnv): Config {
  const env = { ...processEnv };
  let path = configPath ?? env.TF_OCI_REGISTRY_CONFIG;
  delete env.TF_OCI_REGISTRY_CONFIG;
  if (path === undefined && existsSync('tf-oci-registry.toml')) path = 'tf-oci-registry.toml';
  return loadConfig({
    // Paths written in the file are relative to the file (docs: README "Configuration").
    ...(path !== undefined ? { fileText: readFileSync(path, 'utf8'), fileName: path, baseDir: dirname(resolve(path)) } : {}),
    env,
    readFile: (p) => readFileSync(p, 'utf8'),
    randomSecret: () => randomBytes(32).toString('base64url'),
  });
}
