/**
 * The associated data (AAD) each sealed column's values are sealed with: the row identity, so a
 * value copied to another row or column does not open. They live beside the columns because the
 * code that seals a value (lib/…) and key rotation (db/queries/sealed-columns.ts) must agree.
 * The key check's AAD is lib/crypto's own (lib/crypto/key-check.ts).
 */

/** servers.private_key_sealed */
export const privateKeyAad = (serverId: string) => `servers:${serverId}:privateKey`;

/** app_certificates.sealed_key: an uploaded key, bound to its app. */
export const certificateKeyAad = (appId: string) => `apps:${appId}:certificateKey`;

/** app_env_values.sealed_value: bound to the app and the key name. */
export const envValueAad = (appId: string, key: string) => `apps:${appId}:env:${key}`;

/** env_revisions.sealed_snapshot: a snapshot copied to another app or number does not open. */
export const envRevisionAad = (appId: string, number: number) => `apps:${appId}:env-revision:${number}`;

/** app_webhooks.sealed_secret */
export const webhookSecretAad = (appId: string) => `apps:${appId}:webhookSecret`;

/** monitors.token_sealed: a heartbeat monitor's ping token (shown again in its URL). */
export const heartbeatTokenAad = (monitorId: string) => `monitors:${monitorId}:token`;

/** notification_channels.config_sealed: a channel's settings (URLs, tokens, SMTP credentials). */
export const channelConfigAad = (channelId: string) => `notification_channels:${channelId}:config`;

/** ops_repos.secret_sealed: an ops repository's push webhook secret. */
export const opsSecretAad = (repoId: string) => `ops_repos:${repoId}:secret`;

/** backup_targets.credential_sealed: the S3 secret key or the SFTP private key. */
export const backupCredentialAad = (targetId: string) => `backup_targets:${targetId}:credential`;

/** backup_targets.repo_key_sealed: the restic repository password (the backups' encryption key). */
export const backupRepoKeyAad = (targetId: string) => `backup_targets:${targetId}:repoKey`;

/** user_two_factor.secret_sealed: a user's TOTP secret, bound to that user. */
export const twoFactorSecretAad = (userId: number) => `users:${userId}:totpSecret`;

/** app_deploy_keys.private_key_sealed: an app's deploy key for private repositories. */
export const deployKeyAad = (appId: string) => `apps:${appId}:deployKey`;
