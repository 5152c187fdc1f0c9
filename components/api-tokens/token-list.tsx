'use client';

import { useRouter } from 'next/navigation';
import { revokeApiTokenAction } from '@/app/(panel)/settings/actions';
import { ButtonForm } from '@/components/forms/button-form';
import { Badge } from '@/components/ui/badge';
import { Time } from '@/components/ui/time';

export type TokenRow = {
  id: string;
  name: string;
  role: string;
  prefix: string;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  lastUsedIp: string | null;
  state: 'active' | 'expired' | 'revoked';
};

export function TokenList({ tokens }: { tokens: TokenRow[] }) {
  const router = useRouter();
  if (!tokens.length) return <p className="text-sm text-slate-600">No tokens yet.</p>;
  return (
    <ul className="divide-y divide-slate-100">
      {tokens.map((t) => (
        <li key={t.id} className="flex flex-wrap items-center justify-between gap-3 py-3" data-testid={`api-token-${t.name}`}>
          <div>
            <p className="font-medium">
              {t.name} <Badge>{t.role}</Badge> {t.state !== 'active' && <Badge tone="bad">{t.state}</Badge>}
            </p>
            <p className="text-xs text-slate-500">
              <code>{t.prefix}…</code> · created <Time value={t.createdAt} /> · expires <Time value={t.expiresAt} fallback="never" /> · last
              used{' '}
              {t.lastUsedAt ? (
                <>
                  <Time value={t.lastUsedAt} format="relative" /> from {t.lastUsedIp ?? 'unknown'}
                </>
              ) : (
                'never'
              )}
            </p>
          </div>
          {t.state === 'active' && (
            <ButtonForm
              action={revokeApiTokenAction}
              fields={{ tokenId: t.id }}
              label="Revoke"
              variant="danger"
              successMessage="Token revoked"
              onSuccess={() => router.refresh()}
              aria-label={`Revoke ${t.name}`}
            />
          )}
        </li>
      ))}
    </ul>
  );
}
