/**
 * Why a private repository could not be fetched, in words an operator can act on instead of
 * ssh's stderr. Both are stored as the release's error and shown on the app.
 */
export class DeployKeyRefusedError extends Error {
  override name = 'DeployKeyRefusedError';
  constructor(
    readonly host: string,
    readonly fingerprint: string,
  ) {
    super(
      `The git host ${host} refused this app's deploy key ${fingerprint}. Add that key to the repository as a read-only ` +
        "deploy key (GitHub: Settings → Deploy keys; GitLab: Settings → Repository → Deploy keys; the public key is on the app's " +
        'Settings tab), then deploy again.',
    );
  }
}

export class GitHostKeyChangedError extends Error {
  override name = 'GitHostKeyChangedError';
  constructor(
    readonly host: string,
    readonly port: number,
    readonly pinnedFingerprint: string,
    readonly presentedFingerprint: string,
  ) {
    super(
      `The host key of the git host ${host}:${port} changed: pinned ${pinnedFingerprint}, it now presents ${presentedFingerprint}. ` +
        "Berth refused to fetch. If the git host's key really changed (check with its operator), an admin can accept the new " +
        "key on the app's Settings tab.",
    );
  }
}

/** The git host could not be reached to learn its key, or ssh refused it for a reason Berth cannot name. */
export class GitHostError extends Error {
  override name = 'GitHostError';
}
