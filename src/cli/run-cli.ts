// The command line: subcommands with --help everywhere and --version, parsed by commander. Exit codes:
// 0 success, 1 the command failed, 2 bad usage or configuration.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/load.js';
import { loadCommandConfig } from './config-file.js';
import { serveConfig } from './serve.js';

/** The package version, read from package.json next to src/ or dist/. */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildCli(env: NodeJS.ProcessEnv): Command {
  const program = new Command('tf-oci-registry')
    .description('Terraform/OpenTofu provider and module registry, network mirror and publishing API backed by an OCI registry')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  program
    .command('serve')
    .description(
      'serve providers.v1, the provider network mirror, modules.v1, downloads and the publishing API ' +
        'from an OCI registry or a local OCI image-layout directory',
    )
    .option('-c, --config <file>', 'TOML configuration file (default: $TF_OCI_REGISTRY_CONFIG, else ./tf-oci-registry.toml when present)')
    .addHelpText(
      'after',
      '\nEvery key is overridable by TF_OCI_REGISTRY_<SECTION>_<KEY> environment variables; see\n' +
        'config.example.toml. Access control (auth.mode = delegate | service | none): docs/auth.md.',
    )
    .action(async (opts: { config?: string }) => {
      await serveConfig(loadCommandConfig(opts.config, env));
    });
  return program;
}

/** Runs the command line; resolves with the exit code for commands that end (serve keeps running). */
export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const program = buildCli(env);
  if (argv.length === 0) {
    program.outputHelp();
    return 0;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof ConfigError) {
      console.error(`configuration error: ${err.message}`);
      return 2;
    }
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EACCES') {
      console.error(`cannot read configuration: ${(err as Error).message}`);
      return 2;
    }
    console.error(`error: ${(err as Error).message}`);
    return 1;
  }
}
