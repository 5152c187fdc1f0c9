'use client';

import { toast } from 'sonner';
import { Button } from '@/components/ui/button';

/** The public key, and the one line an operator runs on the server to let Berth in. */
export function AccessCard({ publicKey, username, line }: { publicKey: string; username: string; line: string }) {
  return (
    <div className="space-y-2 text-sm">
      <p>
        Run this once on the server as <strong>{username}</strong> (or add the key with your provider&apos;s console):
      </p>
      <pre data-testid="authorized-keys-line" className="overflow-x-auto rounded bg-slate-900 p-3 font-mono text-xs text-slate-100">
        {line}
      </pre>
      <Button type="button" variant="secondary" onClick={() => navigator.clipboard.writeText(line).then(() => toast.success('Copied'))}>
        Copy
      </Button>
      <p className="text-xs text-slate-500">
        Public key:{' '}
        <code data-testid="public-key" className="break-all">
          {publicKey}
        </code>
      </p>
    </div>
  );
}
