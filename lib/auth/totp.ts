import { Secret, TOTP } from 'otpauth';
import { renderSVG } from 'uqr';

/**
 * RFC 6238 codes through `otpauth` (maintained, no native code, the defaults every authenticator
 * app reads: SHA-1, 6 digits, 30 s). Berth adds only what the library leaves to its caller:
 * which time step a code belonged to, so a code is accepted once.
 */
export const TOTP_PERIOD_S = 30;
/** ±1 step: a phone clock off by up to 30 s, or a code typed just as it changed, still works. */
export const TOTP_DRIFT_STEPS = 1;
export const TOTP_CODE = /^\d{6}$/;

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totpFor(secret: string, label = 'user'): TOTP {
  return new TOTP({ issuer: 'Berth', label, secret: Secret.fromBase32(secret), period: TOTP_PERIOD_S });
}

/** The otpauth:// URI an authenticator app scans (it holds the secret: shown only during enrolment). */
export function totpUri(secret: string, label: string): string {
  return totpFor(secret, label).toString();
}

/** The URI as a QR code, drawn here as SVG: no image service ever sees the secret. */
export function totpQrSvg(uri: string): string {
  return renderSVG(uri, { ecc: 'M', border: 2, pixelSize: 4 });
}

export function timeStep(now: number): number {
  return Math.floor(now / 1000 / TOTP_PERIOD_S);
}

/**
 * The time step the code was made for, or null when it matches none within the drift window.
 * A code for a step at or before `lastUsedStep` is refused: that step was already spent.
 */
export function acceptedStep(secret: string, code: string, now: number, lastUsedStep: number | null): number | null {
  if (!TOTP_CODE.test(code)) return null;
  const delta = totpFor(secret).validate({ token: code, timestamp: now, window: TOTP_DRIFT_STEPS });
  if (delta === null) return null;
  const step = timeStep(now) + delta;
  return lastUsedStep !== null && step <= lastUsedStep ? null : step;
}

/** The code for a moment: for tests and for the enrolment page's hint, never sent anywhere. */
export function totpCode(secret: string, now: number): string {
  return totpFor(secret).generate({ timestamp: now });
}
