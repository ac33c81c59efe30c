// How commands end badly: bad usage (exit 2, with a message) or a command that ran and failed (its
// output already says why; exit with its code).
export class UsageError extends Error {}

export class CommandFailed extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}
