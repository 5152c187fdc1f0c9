/**
 * lib/remote: the only place that builds shell text or talks SSH.
 * (The recording fake for recipe unit tests is imported from '@/test-support/recording-transport'.)
 */
export { and, asUser, cmd, env, ignoreFailure, or, pipe, redirect, render, script, CommandError, UNIX_NAME } from './command';
export type { Arg, Command, Script } from './command';
export { resolveHost } from './address';
export { closeAll, closeConnection, getConnection, handshakeCount, probeHostKey, MAX_CHANNELS } from './connection';
export type { ConnectOptions, HostKeyProbe, ServerTarget } from './connection';
export { checkPrivateKey } from './connect-failure';
export { AddressError, ConnectError, HostKeyMismatchError, RemoteError } from './errors';
export type { ConnectFailure, RemoteFailure } from './errors';
export { FINGERPRINT, fingerprintOf } from './fingerprint';
export { redact, Redactor, REDACTED } from './redact';
export { SshTransport } from './transport';
export type { ExecOptions, ExecResult, Transport, UploadOptions } from './transport';
