import { exportFleetOp } from '@/lib/api/ops/definitions';
import { endpoint } from '@/lib/api/panel-endpoint';

export const GET = endpoint(exportFleetOp);
