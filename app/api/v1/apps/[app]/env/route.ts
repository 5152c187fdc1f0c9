import { envPullOp, envPushOp } from '@/lib/api/ops/env';
import { endpoint } from '@/lib/api/panel-endpoint';

export const GET = endpoint(envPullOp);
export const PUT = endpoint(envPushOp);
