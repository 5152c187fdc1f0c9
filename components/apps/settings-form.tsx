'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { updateAppSettings } from '@/app/(panel)/apps/actions';
import { ActionForm } from '@/components/forms/action-form';
import { CheckboxField, Field, SelectField, TextAreaField } from '@/components/forms/field';
import { Button } from '@/components/ui/button';
import type { AppConfig } from '@/lib/model/app-config';

const RESTART = [
  { value: 'always', label: 'Always restart' },
  { value: 'on-failure', label: 'Restart on failure' },
  { value: 'never', label: 'Never restart' },
];
const TLS = [
  { value: 'none', label: 'HTTP only' },
  { value: 'acme', label: 'Let’s Encrypt (ACME HTTP-01)' },
  { value: 'uploaded', label: 'Uploaded certificate' },
];

const Section = ({ title, children }: { title: string; children: React.ReactNode }) => (
  <fieldset className="grid gap-3 sm:col-span-2 sm:grid-cols-2">
    <legend className="mb-1 text-sm font-semibold text-slate-700">{title}</legend>
    {children}
  </fieldset>
);

/** Everything about an app but its slug, kind and pool; saving re-runs configure (no release). */
type Texts = {
  workers: string;
  cron: string;
  buildCommands: string;
  releaseCommands: string;
  hooks: string;
  preSwitch: string;
  restart: string;
  postPushCommands: string;
};

export function SettingsForm({ appId, name, config, texts }: { appId: string; name: string; config: AppConfig; texts: Texts }) {
  const router = useRouter();
  const [tlsMode, setTlsMode] = useState<string>(config.tls.mode);
  const { kind } = config;
  return (
    <ActionForm
      action={updateAppSettings}
      successMessage="Saved; configuring"
      onSuccess={() => router.refresh()}
      aria-label="App settings"
      className="grid gap-4 sm:grid-cols-2"
    >
      <input type="hidden" name="appId" value={appId} />
      <Section title="Identity">
        <Field name="name" label="Name" defaultValue={name} />
        <Field name="domains" label="Domains" defaultValue={config.domains.join(' ')} />
        <Field name="repository" label="Repository" placeholder="git@github.com:acme/shop.git" defaultValue={config.repository ?? ''} />
        <Field name="branch" label="Branch" defaultValue={config.branch} />
      </Section>
      <Section title="Runtime">
        {kind === 'php' && <Field name="phpVersion" label="PHP version" defaultValue={config.phpVersion} />}
        {kind !== 'process' && (
          <Field name="webRoot" label="Web root" hint="Inside the release, e.g. public or dist." defaultValue={config.webRoot} />
        )}
        {kind === 'process' && (
          <Field
            name="port"
            label="Port it listens on ($PORT; a release also uses the next one)"
            type="number"
            defaultValue={config.port}
          />
        )}
        {kind === 'process' && <Field name="processCommand" label="Command" defaultValue={config.processArgv?.join(' ') ?? ''} />}
        {kind === 'process' && <SelectField name="restart" label="Restart policy" options={RESTART} defaultValue={config.restart} />}
        {kind === 'process' && (
          <Field name="memoryLimitMb" label="Memory limit (MB, empty = none)" type="number" defaultValue={config.memoryLimitMb ?? ''} />
        )}
        <Field name="healthPath" label="Health check path" defaultValue={config.healthCheck.path} />
        <Field name="healthStatus" label="Expected status" type="number" defaultValue={config.healthCheck.expectStatus} />
        <Field name="healthTimeoutS" label="Health check timeout (s)" type="number" defaultValue={config.healthCheck.timeoutS} />
      </Section>
      <Section title="Paths">
        <Field
          name="sharedPaths"
          label="Shared paths"
          hint="Kept across releases, e.g. storage .env"
          defaultValue={config.sharedPaths.join(' ')}
        />
        <Field name="writablePaths" label="Writable paths" hint="e.g. bootstrap/cache" defaultValue={config.writablePaths.join(' ')} />
      </Section>
      <Section title="Workers and schedule">
        <div className="sm:col-span-2">
          <TextAreaField
            name="workers"
            label="Queue workers"
            hint="One per line: name processes [@server,…] [stopwait=60] command — e.g. default 2 php artisan queue:work --sleep=3"
            defaultValue={texts.workers}
          />
        </div>
        {kind === 'php' && (
          <CheckboxField name="scheduler" label="Run the Laravel scheduler every minute" defaultChecked={config.scheduler} />
        )}
        <div className="sm:col-span-2">
          <TextAreaField
            name="cron"
            label="Cron lines"
            hint="One per line: five schedule fields, then the command (runs as the app user in current/)"
            defaultValue={texts.cron}
          />
        </div>
      </Section>
      <Section title="Releases">
        <div className="sm:col-span-2">
          <TextAreaField
            name="buildCommands"
            label="Build commands"
            hint="One per line, in the new release as the app user, e.g. composer install --no-dev --optimize-autoloader"
            defaultValue={texts.buildCommands}
          />
        </div>
        <div className="sm:col-span-2">
          <TextAreaField
            name="releaseCommands"
            label="Release commands"
            hint="One per line, on every server after the build, e.g. php artisan config:cache"
            defaultValue={texts.releaseCommands}
          />
        </div>
        <div className="sm:col-span-2">
          <TextAreaField
            name="hooks"
            label="Hooks"
            hint="One per line: [@server] [migration] command — e.g. @web-1 migration php artisan migrate --force runs on web-1 only, after a database snapshot"
            defaultValue={texts.hooks}
          />
        </div>
        <Field
          name="preSwitchCheck"
          label="Pre-switch check"
          hint="Must succeed on every server before the switch, e.g. php artisan about"
          defaultValue={texts.preSwitch}
        />
        <CheckboxField
          name="gate"
          label="Gate: ask the new release's health path through the app's pool before switching"
          defaultChecked={config.release.gate}
        />
        <Field
          name="watchWindowS"
          label="Watch window after the switch (s, 0 = off)"
          type="number"
          defaultValue={config.release.watchWindowS}
        />
        <Field
          name="watchErrorRisePct"
          label="Roll back when the 5xx share rises by (points)"
          type="number"
          defaultValue={config.release.watchErrorRisePct}
        />
        <Field
          name="restartCommand"
          label="Worker restart command"
          hint="Instead of restarting the supervisor programs, e.g. php artisan queue:restart"
          defaultValue={texts.restart}
        />
        <Field name="keepReleases" label="Releases to keep" type="number" defaultValue={config.release.keepReleases} />
        <Field name="buildTimeoutS" label="Command timeout (s)" type="number" defaultValue={config.release.buildTimeoutS} />
      </Section>
      <Section title="Environment pushes">
        <div className="sm:col-span-2">
          <TextAreaField
            name="postPushCommands"
            label="After an env push, run (one command per line)"
            hint="In current/ as the app user, no shell, e.g. php artisan config:cache"
            defaultValue={texts.postPushCommands}
          />
        </div>
        <CheckboxField
          name="restartAfterPush"
          label="Restart workers and the app process after a push"
          defaultChecked={config.env.restartAfterPush}
        />
      </Section>
      <Section title="TLS and nginx">
        <SelectField name="tlsMode" label="TLS" options={TLS} value={tlsMode} onChange={(e) => setTlsMode(e.target.value)} />
        {tlsMode === 'acme' && <Field name="acmeEmail" label="ACME account email" type="email" defaultValue={config.tls.acmeEmail ?? ''} />}
        <div className="sm:col-span-2">
          <TextAreaField
            name="nginxSnippet"
            label="Custom nginx directives"
            hint="Placed in the app’s server block; nginx -t must accept them or nothing changes."
            defaultValue={config.nginxSnippet}
          />
        </div>
      </Section>
      <Section title="Data services">
        <CheckboxField name="postgres" label="Postgres database and role for this app" defaultChecked={config.dataServices.postgres} />
        <CheckboxField name="redis" label="Redis user limited to this app’s key prefix" defaultChecked={config.dataServices.redis} />
      </Section>
      <div className="sm:col-span-2">
        <Button type="submit">Save and apply</Button>
      </div>
    </ActionForm>
  );
}
