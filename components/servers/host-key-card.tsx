'use client';

import { useRouter } from 'next/navigation';
import { pinServerHostKey, testConnection } from '@/app/(panel)/servers/actions';
import { ActionForm } from '@/components/forms/action-form';
import { Button } from '@/components/ui/button';
import type { ProbeResult } from '@/db/schema';

type Props = {
  serverId: string;
  pinned: string | null;
  mismatch: string | null;
  probe: ProbeResult | null;
  probing: boolean;
  canManage: boolean;
};

const Mono = ({ children, testId }: { children: React.ReactNode; testId?: string }) => (
  <code data-testid={testId} className="break-all rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs">
    {children}
  </code>
);

function PinForm({ serverId, fingerprint, label }: { serverId: string; fingerprint: string; label: string }) {
  const router = useRouter();
  return (
    <ActionForm action={pinServerHostKey} successMessage="Host key pinned" onSuccess={() => router.refresh()} aria-label={label}>
      <input type="hidden" name="serverId" value={serverId} />
      <input type="hidden" name="fingerprint" value={fingerprint} />
      <Button type="submit">{label}</Button>
    </ActionForm>
  );
}

export function HostKeyCard({ serverId, pinned, mismatch, probe, probing, canManage }: Props) {
  const router = useRouter();
  return (
    <div className="space-y-4 text-sm">
      {mismatch ? (
        <div role="alert" className="rounded-md bg-red-50 p-3 text-red-900 ring-1 ring-red-200">
          <p className="font-semibold">The host key changed. Berth refuses to connect; nothing runs on this server.</p>
          <div className="mt-2 grid gap-2 sm:grid-cols-2">
            <div>
              Pinned (old): <Mono testId="old-fingerprint">{pinned}</Mono>
            </div>
            <div>
              Presented (new): <Mono testId="new-fingerprint">{mismatch}</Mono>
            </div>
          </div>
          <p className="mt-2">
            If the server was reinstalled or its keys regenerated, compare the new fingerprint with{' '}
            <Mono>ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub</Mono> on its console before re-pinning.
          </p>
          {canManage && (
            <div className="mt-3">
              <PinForm serverId={serverId} fingerprint={mismatch} label="Re-pin to the new key" />
            </div>
          )}
        </div>
      ) : pinned ? (
        <p>
          Pinned host key: <Mono testId="pinned-fingerprint">{pinned}</Mono>
        </p>
      ) : (
        <p>
          Not pinned yet: test the connection, compare the fingerprint with <Mono>ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub</Mono> on
          the server, then pin it.
        </p>
      )}
      {canManage && !mismatch && (
        <ActionForm action={testConnection} onSuccess={() => router.refresh()} aria-label="Test connection">
          <input type="hidden" name="serverId" value={serverId} />
          <Button type="submit" variant="secondary" disabled={probing}>
            {probing ? 'Testing…' : 'Test connection'}
          </Button>
        </ActionForm>
      )}
      {/* A test result vouches for the key it saw; beside a mismatch it is stale (the red box says it all). */}
      {probe && !probing && !mismatch && (
        <div
          data-testid="probe-result"
          className={`rounded-md p-3 ring-1 ${probe.ok ? 'bg-emerald-50 ring-emerald-200' : 'bg-amber-50 ring-amber-200'}`}
        >
          {probe.fingerprint && (
            <p>
              Host key ({probe.algorithm}): <Mono testId="probe-fingerprint">{probe.fingerprint}</Mono>
            </p>
          )}
          {probe.ok ? (
            <p className="mt-1">
              Logged in as <strong>{probe.user}</strong> with Berth&apos;s key.
            </p>
          ) : (
            <p className="mt-1" role="alert">
              {probe.error}
            </p>
          )}
          {probe.ok && canManage && !pinned && probe.fingerprint && (
            <div className="mt-3">
              <PinForm serverId={serverId} fingerprint={probe.fingerprint} label="Pin this host key" />
            </div>
          )}
        </div>
      )}
    </div>
  );
}
