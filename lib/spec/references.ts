/**
 * Where the panel keeps each secret a definition refers to. A reference is the path of the value
 * in the panel that holds it, so exporting writes the same reference back whether or not the
 * value is there, and a definition means the same in every panel: one that lacks the value marks
 * the resource "needs value" until an admin sets it.
 */
export const serverKeyRef = (server: string) => `servers/${server}/ssh-key`;
export const heartbeatTokenRef = (monitor: string) => `monitors/${monitor}/token`;
/** A backup target's S3 secret key or SFTP private key. */
export const backupCredentialRef = (target: string) => `backup-targets/${target}/credential`;
export const channelSecretRef = (channel: string, field: string) => `channels/${channel}/${field}`;

export const PLAIN_SECRET = 'A secret never sits in a definition: write { secret: <reference> } and set the value in the panel';

export const isRef = (v: unknown): v is { secret: string } =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { secret?: unknown }).secret === 'string';
