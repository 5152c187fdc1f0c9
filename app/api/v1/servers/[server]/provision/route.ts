import { provisionOp } from '@/lib/api/ops/fleet';
import { endpoint } from '@/lib/api/panel-endpoint';

export const POST = endpoint(provisionOp);
