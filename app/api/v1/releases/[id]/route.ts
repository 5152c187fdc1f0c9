import { releaseStatusOp } from '@/lib/api/ops/releases';
import { endpoint } from '@/lib/api/panel-endpoint';

export const GET = endpoint(releaseStatusOp);
