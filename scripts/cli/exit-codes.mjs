// The CLI's exit codes (README, "CLI"): scripts and CI branch on them.
export const EXIT = {
  ok: 0,
  /** The panel refused, a release failed, or the definition has problems. */
  failed: 1,
  /** The command line itself is wrong (unknown command, missing argument or variable). */
  usage: 2,
  /** The plan has destructive changes: `plan` reports it, `apply` without --yes applies nothing. */
  destructive: 3,
  /** The panel could not be reached, or what answered is not a Berth API. */
  unreachable: 4,
  /** The token was refused (401) or lacks the role (403). */
  denied: 5,
};

/** An error that ends the CLI with its message and code. */
export class CliError extends Error {
  constructor(message, code = EXIT.failed) {
    super(message);
    this.code = code;
  }
}
