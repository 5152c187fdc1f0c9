import { listServersOp } from '@/lib/api/ops/fleet';
import { endpoint } from '@/lib/api/panel-endpoint';

export const GET = endpoint(listServersOp);
