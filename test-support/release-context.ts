import type { AppConfig } from '@/lib/model/app-config';
import type { ReleaseContext } from '@/lib/recipes/release/context';

/** The server id the release-task unit tests run "on". */
export const TEST_SERVER_ID = '11111111-1111-4111-8111-111111111111';

/** A release task's context for unit tests over a RecordingTransport: release 7 of `app` on one web server. */
export function releaseContext(app: AppConfig, over: Partial<ReleaseContext> = {}): ReleaseContext {
  return {
    app,
    server: { id: TEST_SERVER_ID, name: 's1', address: '10.0.0.1' },
    roles: ['web'],
    number: 7,
    sha: 'abc',
    archivePath: '/tmp/a.tar',
    protect: [],
    ...over,
  };
}
