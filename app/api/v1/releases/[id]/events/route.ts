import { db } from '@/db';
import { releaseEventsResponse } from '@/lib/api/release-events';

export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return releaseEventsResponse(db(), request, (await params).id);
}
