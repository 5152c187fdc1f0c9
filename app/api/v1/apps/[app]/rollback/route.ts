import { rollbackOp, rollbackTargetsOp } from '@/lib/api/ops/releases';
import { endpoint } from '@/lib/api/panel-endpoint';

export const GET = endpoint(rollbackTargetsOp);
export const POST = endpoint(rollbackOp);
