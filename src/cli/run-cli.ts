// The command line: subcommands with --help everywhere and --version, parsed by commander. Exit codes:
// 0 success, 1 the command failed, 2 bad usage or configuration.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/load.js';
import { isUpstreamError } from '../upstream/errors.js';
import { loadCommandConfig } from './config-file.js';
import { CommandFailed, UsageError } from './errors.js';
import type { MirrorOptions } from './mirror.js';
import { addPublishCommand } from './publish.js';

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
    // Program options only before the command: `mirror --version '~> 5.0'` is the command's own option.
    .enablePositionalOptions()
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
      // Commands load their code when they run: `--help` and `--version` stay fast.
      const cli = performance.now();
      const { serveConfig } = await import('./serve.js');
      const code = performance.now();
      const config = loadCommandConfig(opts.config, env);
      await serveConfig(config, { cli, code, config: performance.now() });
    });
  program
    .command('mirror')
    .description('import provider releases into the configured store, verified (docs/mirror.md)')
    .argument('[address...]', 'provider addresses: [hostname/]namespace/type (hostname default registry.terraform.io)')
    .option('-c, --config <file>', 'TOML configuration file (the store to import into)')
    .option('--version <constraint>', 'version constraint, e.g. "~> 5.0" (default: the newest version)')
    .option('--platform <os_arch>', 'a platform to import, e.g. linux_amd64 (repeatable; default: every platform)', collect, [])
    .option('--lock-file <file>', 'import exactly the providers, versions and hashes a .terraform.lock.hcl names')
    .option('--from-dir <dir>', 'read from the output of `terraform providers mirror <dir>`')
    .option('--from-mirror <url>', 'read from another provider network mirror')
    .option('--from-layout <dir>', 'read from an OCI image-layout directory written by this tool (air gap)')
    .option('--from-prefix <prefix>', 'repository prefix inside --from-layout (default: storage.prefix)')
    .option('--service <name>', 'import into the store of this [[mirror.service]] (default: [storage])')
    .option('--dry-run', 'say what would be imported, import nothing')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  tf-oci-registry mirror hashicorp/aws --version "~> 5.0" --platform linux_amd64 --config tf-oci-registry.toml\n' +
        '  tf-oci-registry mirror --lock-file .terraform.lock.hcl --config tf-oci-registry.toml\n' +
        '  tf-oci-registry mirror --from-layout /media/transfer --config tf-oci-registry.toml',
    )
    .action(async (addresses: string[], opts: MirrorOptions & { config?: string }) => {
      const { runMirror } = await import('./mirror.js');
      const code = await runMirror(loadCommandConfig(opts.config, env), addresses, opts, {
        stdout: process.stdout,
        stderr: process.stderr,
      });
      if (code !== 0) throw new CommandFailed(code);
    });
  program
    .command('check')
    .description(
      'self-test of the configured store before going live: auth, OCI index support, tag pages, deletes, ... (docs/operations.md#check)',
    )
    .option('-c, --config <file>', 'TOML configuration file (the store to check)')
    .option('--service <name>', 'check the store of this [[mirror.service]] (default: [storage])')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { config?: string; json?: boolean; service?: string }) => {
      const { runCheck } = await import('./check.js');
      const code = await runCheck(loadCommandConfig(opts.config, env), opts, { stdout: process.stdout });
      if (code !== 0) throw new CommandFailed(code);
    });
  program
    .command('gc')
    .description(
      'reclaim the space of blobs no version uses any more in the image-layout store; safe while serving (docs/operations.md#reclaiming-space)',
    )
    .option('-c, --config <file>', 'TOML configuration file (the layout store to clean)')
    .option('--dry-run', 'say what would be removed, remove nothing')
    .option('--grace-period <seconds>', 'keep whatever is younger than this (a publish in progress writes blobs before its tag)', '3600')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { config?: string; dryRun?: boolean; gracePeriod?: string; json?: boolean }) => {
      const { runGc } = await import('./gc.js');
      await runGc(loadCommandConfig(opts.config, env), opts, { stdout: process.stdout });
    });
  addPublishCommand(program, env);
  return program;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
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
    if (err instanceof CommandFailed) return err.code;
    if (err instanceof UsageError || isUpstreamError(err, 'BAD_INPUT')) {
      console.error(`error: ${(err as Error).message}`);
      return 2;
    }
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
