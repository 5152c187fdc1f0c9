import { cancelOp } from '@/lib/api/ops/releases';
import { endpoint } from '@/lib/api/panel-endpoint';

export const POST = endpoint(cancelOp);
