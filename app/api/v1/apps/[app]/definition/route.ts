import { exportAppOp } from '@/lib/api/ops/definitions';
import { endpoint } from '@/lib/api/panel-endpoint';

export const GET = endpoint(exportAppOp);
