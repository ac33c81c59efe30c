// Process entry: hands argv and the environment to the command line (src/cli/) and sets the exit code.
// The only module that reads process.argv; commands that end set process.exitCode, `serve` keeps running.
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { runCli } from './cli/run-cli.js';

/** True when this file is the script node was started with, also through a symbolic link (Node loads the real path). */
function isEntry(argv1: string | undefined): boolean {
  if (argv1 === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(argv1)).href;
  } catch {
    return false;
  }
}

if (isEntry(process.argv[1])) {
  // `tf-oci-registry mirror --help | head`: a closed pipe ends the output quietly, as for other CLIs.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  process.exitCode = await runCli(process.argv.slice(2), process.env);
}
