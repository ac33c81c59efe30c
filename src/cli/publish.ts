// `tf-oci-registry publish`: the command definition (arguments, options, help). The work runs in
// publish-run.ts, loaded only when the command runs, so --help stays fast.
import type { Command } from 'commander';
import { CommandFailed } from './errors.js';
import type { PublishCliOptions } from './publish-run.js';

/** Adds the `publish` command to `program`. */
export function addPublishCommand(program: Command, env: NodeJS.ProcessEnv): void {
  program
    .command('publish')
    .description(
      "publish a provider release (a GoReleaser dist/ directory) or a module through a server's publishing API (docs/publishing.md)",
    )
    .argument(
      '[dir]',
      'the GoReleaser dist/ directory or a directory holding the release files; for --module: the module directory, .zip or .tar.gz',
    )
    .requiredOption('--namespace <namespace>', 'the namespace to publish into, e.g. acme')
    .option(
      '--key <file>',
      "armored GPG public key that signed SHA256SUMS (registered when missing; default: the namespace's key that verifies)",
    )
    .option('--url <url>', 'the server URL (default: $TF_OCI_REGISTRY_URL)')
    .option('--token <token>', 'API token (default: $TF_OCI_REGISTRY_TOKEN; the variable keeps it out of the process list)')
    .option('--provider <type>', 'the provider type, when the directory holds several releases (default: from the file names)')
    .option('--version <version>', 'the version: required for --module; for providers only to choose among several releases')
    .option('--module <name/system>', 'publish a module, e.g. vpc/aws, instead of a provider')
    .option('--draft', 'upload the provider release files as a draft, without publishing it')
    .option('--finish', 'publish the draft uploaded before with --draft')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  TF_OCI_REGISTRY_URL=https://registry.example.com TF_OCI_REGISTRY_TOKEN=… \\\n' +
        '    tf-oci-registry publish dist --namespace acme --key key.asc\n' +
        '  tf-oci-registry publish dist --namespace acme --draft      # then: … publish dist --namespace acme --finish\n' +
        '  tf-oci-registry publish ./modules/vpc --namespace acme --module vpc/aws --version 1.2.0\n' +
        '\nRe-running with the same files is a no-op success; other files for a published version are a conflict.\n' +
        'Exit codes: 0 published (or already published), 1 the server refused or failed, 2 bad usage.',
    )
    .action(async (dir: string | undefined, opts: PublishCliOptions) => {
      const { runPublish } = await import('./publish-run.js');
      const code = await runPublish(dir, opts, env, { stdout: process.stdout, stderr: process.stderr });
      if (code !== 0) throw new CommandFailed(code);
    });
}
