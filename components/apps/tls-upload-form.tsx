'use client';

import { useRouter } from 'next/navigation';
import { toast } from 'sonner';
import { uploadCertificate } from '@/app/(panel)/apps/[id]/tls-actions';
import { ActionForm } from '@/components/forms/action-form';
import { TextAreaField } from '@/components/forms/field';
import { Button } from '@/components/ui/button';

/** Certificate chain and key, checked on the server; the key field is cleared after a successful upload. */
export function TlsUploadForm({ appId }: { appId: string }) {
  const router = useRouter();
  return (
    <ActionForm
      action={uploadCertificate}
      resetOnSuccess
      onSuccess={(data) => {
        toast.success(data.note);
        router.refresh();
      }}
      aria-label="Upload a certificate"
      className="space-y-3"
    >
      <input type="hidden" name="appId" value={appId} />
      <TextAreaField
        name="certificate"
        label="Certificate chain (PEM)"
        rows={6}
        spellCheck={false}
        hint="The server certificate first, then its intermediates."
        placeholder="-----BEGIN CERTIFICATE-----"
      />
      <TextAreaField
        name="key"
        label="Private key (PEM)"
        rows={4}
        spellCheck={false}
        autoComplete="off"
        hint="Unencrypted. Stored sealed; never shown again."
        placeholder="-----BEGIN PRIVATE KEY-----"
      />
      <Button type="submit">Upload certificate</Button>
    </ActionForm>
  );
}
