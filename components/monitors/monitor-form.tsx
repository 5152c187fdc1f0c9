'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { addMonitor, saveMonitor } from '@/app/(panel)/monitors/actions';
import { ActionForm } from '@/components/forms/action-form';
import { CheckboxField, Field, SelectField } from '@/components/forms/field';
import { Button } from '@/components/ui/button';

export type MonitorFormValues = {
  id: string;
  kind: 'http' | 'heartbeat';
  name: string;
  url: string;
  method: string;
  intervalS: number;
  timeoutMs: number;
  expectedStatus: string;
  keyword: string;
  retries: number;
  graceS: number;
  paused: boolean;
};

/** Add a monitor, or edit one (then its kind is fixed). HTTP and heartbeat fields show by kind. */
export function MonitorForm({ initial }: { initial?: MonitorFormValues }) {
  const router = useRouter();
  const [kind, setKind] = useState<'http' | 'heartbeat'>(initial?.kind ?? 'http');
  const editing = Boolean(initial);
  return (
    <ActionForm
      action={editing ? saveMonitor : addMonitor}
      successMessage={editing ? 'Monitor saved' : 'Monitor added'}
      onSuccess={(data) =>
        data && typeof data === 'object' && 'id' in data ? router.push(`/monitors/${(data as { id: string }).id}`) : router.refresh()
      }
      aria-label={editing ? 'Edit monitor' : 'Add a monitor'}
      className="grid gap-4 sm:grid-cols-2"
    >
      {editing && <input type="hidden" name="monitorId" value={initial!.id} />}
      {editing ? (
        <input type="hidden" name="kind" value={kind} />
      ) : (
        <SelectField
          name="kind"
          label="Kind"
          data-testid="monitor-kind"
          value={kind}
          onChange={(e) => setKind(e.target.value as 'http' | 'heartbeat')}
          options={[
            { value: 'http', label: 'HTTP(S) check' },
            { value: 'heartbeat', label: 'Heartbeat (a job pings Berth)' },
          ]}
        />
      )}
      <Field name="name" label="Name" defaultValue={initial?.name} placeholder="Shop homepage" data-testid="monitor-name" required />
      {kind === 'http' ? (
        <>
          <div className="sm:col-span-2">
            <Field
              name="url"
              label="URL"
              defaultValue={initial?.url}
              placeholder="https://shop.example.com/health"
              data-testid="monitor-url"
              hint="http:// or https://; link-local and metadata addresses are refused."
            />
          </div>
          <SelectField
            name="method"
            label="Method"
            defaultValue={initial?.method ?? 'GET'}
            options={['GET', 'HEAD', 'POST'].map((m) => ({ value: m, label: m }))}
          />
          <Field
            name="intervalS"
            label="Interval (seconds)"
            type="number"
            min={10}
            defaultValue={initial?.intervalS ?? 60}
            data-testid="monitor-interval"
            hint="At least 10 s."
          />
          <Field
            name="timeoutMs"
            label="Timeout (ms)"
            type="number"
            min={1000}
            max={60000}
            defaultValue={initial?.timeoutMs ?? 10000}
            data-testid="monitor-timeout"
          />
          <Field
            name="expectedStatus"
            label="Expected status"
            defaultValue={initial?.expectedStatus ?? '200-299'}
            data-testid="monitor-expected-status"
            hint="Codes and ranges, like 200-299,301."
          />
          <Field
            name="keyword"
            label="Keyword (optional)"
            defaultValue={initial?.keyword}
            data-testid="monitor-keyword"
            hint="Must appear in the first 64 KB of the body."
          />
          <Field
            name="retries"
            label="Retries before down"
            type="number"
            min={0}
            max={10}
            defaultValue={initial?.retries ?? 0}
            data-testid="monitor-retries"
            hint="0: down at the first failure."
          />
        </>
      ) : (
        <>
          <Field
            name="intervalS"
            label="Expected every (seconds)"
            type="number"
            min={10}
            defaultValue={initial?.intervalS ?? 3600}
            data-testid="monitor-interval"
          />
          <Field
            name="graceS"
            label="Grace (seconds)"
            type="number"
            min={0}
            defaultValue={initial?.graceS ?? 300}
            data-testid="monitor-grace"
            hint="Extra time before a late ping counts as down."
          />
        </>
      )}
      <div className="sm:col-span-2">
        <CheckboxField name="paused" label="Paused" defaultChecked={initial?.paused} />
      </div>
      <div className="sm:col-span-2">
        <Button type="submit" data-testid="monitor-submit">
          {editing ? 'Save' : 'Add monitor'}
        </Button>
      </div>
    </ActionForm>
  );
}
