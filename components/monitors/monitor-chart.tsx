import { ResponseChart } from '@/components/charts/response-chart';
import { RangeTabs } from '@/components/dashboard/range-tabs';
import { Card } from '@/components/ui/card';
import type { ReleaseMarker } from '@/lib/dashboard/markers';
import type { ChartWindow } from '@/lib/dashboard/range';
import type { ResponseLine, ResponsePoint } from '@/lib/dashboard/series';

/** The monitor's response time over a range, drawn as the app dashboard draws it; the range tabs are links (?range=). */
export function MonitorChart({
  monitorId,
  window: w,
  lines,
  points,
  markers,
}: {
  monitorId: string;
  window: ChartWindow;
  lines: ResponseLine[];
  points: ResponsePoint[];
  markers: ReleaseMarker[];
}) {
  return (
    <Card title="Response time" description="Average per point; failed checks as red dots; the app's releases as vertical lines.">
      <div className="mb-3">
        <RangeTabs base={`/monitors/${monitorId}`} current={w.range} />
      </div>
      <ResponseChart range={w.range} start={w.start.getTime()} end={w.end.getTime()} lines={lines} points={points} markers={markers} />
    </Card>
  );
}
