import { RunView } from '@/components/servers/run-view';
import { Card } from '@/components/ui/card';
import type { ServerRuns } from './app-of';

/** One card per server of the app: its roles and the latest configure run, task by task. */
export function ServerRunCards({ runs }: { runs: ServerRuns }) {
  return runs.map(({ server, roles, run, tasks }) => (
    <Card key={server.id} title={`On ${server.name}`} description={`${roles.join(' + ')} · the latest configure run.`}>
      <div data-testid={`app-server-${server.name}`}>
        {run ? <RunView run={run} tasks={tasks} /> : <p className="text-sm text-slate-600">Not configured yet.</p>}
      </div>
    </Card>
  ));
}
