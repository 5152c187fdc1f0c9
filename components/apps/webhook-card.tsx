import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { Time } from '@/components/ui/time';
import type { AppWebhook } from '@/db/schema';
import { WINDOW_SECONDS, webhookExample, webhookPath } from '@/lib/releases/webhook';
import { getRuntime } from '@/lib/runtime';
import { CopyButton, WebhookControls } from './webhook-controls';

/**
 * The app's deploy webhook for CI: its URL, whether a secret exists, the body format and a
 * signed example. Never the secret: it is shown once, by the controls, when made.
 */
export function WebhookCard({
  appId,
  branch,
  canManage,
  hook,
}: {
  appId: string;
  branch: string;
  canManage: boolean;
  hook: Pick<AppWebhook, 'createdAt'> | undefined;
}) {
  const url = `${getRuntime().env.publicUrl}${webhookPath(appId)}`;
  const example = webhookExample(url, branch);
  return (
    <Card title="Deploy webhook" description="CI deploys by POSTing a signed body here; the answer (202) names the release.">
      <div data-testid="webhook-card" data-has-secret={hook ? 'yes' : 'no'} className="space-y-3 text-sm">
        <p className="flex flex-wrap items-center gap-2">
          <code data-testid="webhook-url" className="break-all font-mono text-xs">
            {url}
          </code>
          {hook ? (
            <Badge tone="good">
              Secret set <Time value={hook.createdAt} format="date" />
            </Badge>
          ) : (
            <Badge>No secret: deliveries are refused</Badge>
          )}
        </p>
        <div className="text-slate-700">
          <p>
            Body (JSON): <code className="font-mono text-xs">{'{"branch":"main","timestamp":<unix seconds>}'}</code> or{' '}
            <code className="font-mono text-xs">{'{"sha":"<7-40 hex>","timestamp":…}'}</code>, optionally{' '}
            <code className="font-mono text-xs">&quot;id&quot;</code> (shown in the audit log).
          </p>
          <p className="mt-1">
            Header <code className="font-mono text-xs">X-Hub-Signature-256: sha256=&lt;hex HMAC-SHA256 of the raw body&gt;</code>, as GitHub
            signs. A timestamp more than {WINDOW_SECONDS / 60} minutes from now is refused, and each signed body deploys once (a replay gets
            409). Answers: 202 accepted, 400 bad body, 401 bad signature or stale timestamp, 409 replayed or a release already running.
          </p>
        </div>
        <details>
          <summary className="cursor-pointer font-medium text-indigo-700">Example (curl + openssl)</summary>
          <pre data-testid="webhook-example" className="mt-2 overflow-x-auto rounded bg-slate-900 p-3 font-mono text-xs text-slate-100">
            {example}
          </pre>
          <div className="mt-2">
            <CopyButton text={example} label="Copy example" />
          </div>
        </details>
        {canManage && <WebhookControls appId={appId} hasSecret={Boolean(hook)} />}
      </div>
    </Card>
  );
}
