// Process entry: hands argv and the environment to the command line (src/cli/) and sets the exit code.
// The only module that reads process.argv; commands that end set process.exitCode, `serve` keeps running.
import { pathToFileURL } from 'node:url';
import { runCli } from './cli/run-cli.js';

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // `tf-oci-registry mirror --help | head`: a closed pipe ends the output quietly, as for other CLIs.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  process.exitCode = await runCli(process.argv.slice(2), process.env);
}
