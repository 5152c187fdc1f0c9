'use client';

import { useRouter } from 'next/navigation';
import { deleteMonitor, setMonitorPaused } from '@/app/(panel)/monitors/actions';
import { ActionForm } from '@/components/forms/action-form';
import { Button } from '@/components/ui/button';

export function MonitorControls({ id, paused, canDelete }: { id: string; paused: boolean; canDelete: boolean }) {
  const router = useRouter();
  return (
    <div className="flex flex-wrap gap-2">
      <ActionForm
        action={setMonitorPaused}
        successMessage={paused ? 'Monitor resumed' : 'Monitor paused'}
        onSuccess={() => router.refresh()}
        aria-label={paused ? 'Resume' : 'Pause'}
      >
        <input type="hidden" name="monitorId" value={id} />
        <input type="hidden" name="paused" value={paused ? 'false' : 'true'} />
        <Button type="submit" variant="secondary" data-testid={paused ? 'monitor-resume' : 'monitor-pause'}>
          {paused ? 'Resume' : 'Pause'}
        </Button>
      </ActionForm>
      {canDelete && (
        <ActionForm
          action={deleteMonitor}
          successMessage="Monitor deleted"
          onSuccess={() => router.push('/monitors')}
          aria-label="Delete monitor"
        >
          <input type="hidden" name="monitorId" value={id} />
          <Button
            type="submit"
            variant="danger"
            data-testid="monitor-delete"
            onClick={(e) => {
              if (!confirm('Delete this monitor and its history?')) e.preventDefault();
            }}
          >
            Delete
          </Button>
        </ActionForm>
      )}
    </div>
  );
}
