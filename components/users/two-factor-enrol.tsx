'use client';

import { useState } from 'react';
import { confirmTwoFactorAction, startTwoFactorAction } from '@/app/login/two-factor/actions';
import { ActionForm } from '@/components/forms/action-form';
import { Field } from '@/components/forms/field';
import { Button } from '@/components/ui/button';

type Enrolment = { uri: string; qrSvg: string };

/**
 * Enrolment in three steps: a new secret (QR code and otpauth URI), the first code from the app
 * (it proves the app has the secret), then the recovery codes, shown this once.
 */
export function TwoFactorEnrol({ onDone, doneLabel = 'Done' }: { onDone: () => void; doneLabel?: string }) {
  const [enrolment, setEnrolment] = useState<Enrolment | null>(null);
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);

  if (recoveryCodes)
    return (
      <div className="space-y-3 rounded-md bg-amber-50 p-3 text-sm ring-1 ring-amber-200" role="status">
        <p className="font-medium">
          Two-factor sign-in is on. Save these recovery codes now: each works once, and Berth cannot show them again.
        </p>
        <ul data-testid="recovery-codes" className="grid grid-cols-1 gap-1 font-mono sm:grid-cols-2">
          {recoveryCodes.map((c) => (
            <li key={c}>{c}</li>
          ))}
        </ul>
        <Button type="button" onClick={onDone}>
          {doneLabel}
        </Button>
      </div>
    );

  if (!enrolment)
    return (
      <ActionForm action={startTwoFactorAction} onSuccess={setEnrolment} aria-label="Set up two-factor sign-in">
        <Button type="submit">Set up two-factor sign-in</Button>
      </ActionForm>
    );

  return (
    <div className="space-y-3">
      <p className="text-sm text-slate-700">
        Scan the code with an authenticator app (or enter the key by hand), then type the 6 digits it shows.
      </p>
      <div className="flex flex-wrap items-start gap-4">
        {/* A data: URL, drawn on the server: the secret never reaches an image service. */}
        {/* biome-ignore lint/performance/noImgElement: an inline SVG data URL; next/image would add nothing */}
        <img
          src={`data:image/svg+xml;utf8,${encodeURIComponent(enrolment.qrSvg)}`}
          alt="QR code of the authenticator key"
          width={180}
          height={180}
          className="rounded bg-white ring-1 ring-slate-200"
        />
        <div className="min-w-0 flex-1 space-y-2 text-sm">
          <p className="font-medium">Key (otpauth URI)</p>
          <code data-testid="totp-uri" className="block break-all rounded bg-slate-100 p-2 font-mono text-xs">
            {enrolment.uri}
          </code>
        </div>
      </div>
      <ActionForm
        action={confirmTwoFactorAction}
        onSuccess={(data) => setRecoveryCodes(data.recoveryCodes)}
        aria-label="Confirm two-factor sign-in"
        className="flex flex-wrap items-end gap-2"
      >
        <Field name="code" label="Code from the app" autoComplete="one-time-code" inputMode="numeric" required />
        <Button type="submit">Turn on</Button>
      </ActionForm>
    </div>
  );
}
