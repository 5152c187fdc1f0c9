import { planOp } from '@/lib/api/ops/definitions';
import { endpoint } from '@/lib/api/panel-endpoint';

export const POST = endpoint(planOp);
