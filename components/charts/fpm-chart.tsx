'use client';

import { Area, Bar, CartesianGrid, ComposedChart, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ReleaseMarker } from '@/lib/dashboard/markers';
import type { Range } from '@/lib/dashboard/range';
import type { FpmPoint } from '@/lib/dashboard/series';
import { markerLines, MarkerNote } from './release-markers';
import { useTimeZone } from '@/components/ui/time';
import { pointLabel, tickLabel, timeTicks } from './time-axis';

/** Active and idle PHP-FPM children (stacked, summed over servers) and max_children hits as bars; release markers. */
export function FpmChart({
  range,
  start,
  end,
  points,
  markers,
  maxChildren,
}: {
  range: Range;
  start: number;
  end: number;
  points: FpmPoint[];
  markers: ReleaseMarker[];
  maxChildren: number;
}) {
  const zone = useTimeZone();
  const reached = points.reduce((n, p) => n + p.reached, 0);
  const filled = points.filter((p) => p.active !== null).length;
  return (
    <div data-testid="fpm-chart" data-points={filled} data-buckets={points.length} data-reached={reached}>
      <div className="h-56 w-full">
        <ResponsiveContainer>
          <ComposedChart data={points} margin={{ top: 16, right: 12, bottom: 0, left: -8 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
            <XAxis
              dataKey="t"
              type="number"
              scale="time"
              domain={[start, end]}
              ticks={timeTicks(range, start, end)}
              tickFormatter={(t: number) => tickLabel(range, t, zone)}
              fontSize={11}
            />
            <YAxis yAxisId="procs" fontSize={11} allowDecimals={false} />
            <YAxis yAxisId="hits" orientation="right" fontSize={11} allowDecimals={false} />
            <Tooltip labelFormatter={(t) => pointLabel(Number(t), zone)} />
            <Legend />
            <Area
              yAxisId="procs"
              type="stepAfter"
              dataKey="active"
              name="active"
              stackId="fpm"
              stroke="#d97706"
              fill="#fde68a"
              connectNulls={false}
              isAnimationActive={false}
            />
            <Area
              yAxisId="procs"
              type="stepAfter"
              dataKey="idle"
              name="idle"
              stackId="fpm"
              stroke="#64748b"
              fill="#e2e8f0"
              connectNulls={false}
              isAnimationActive={false}
            />
            <Bar yAxisId="hits" dataKey="reached" name="max_children reached" fill="#dc2626" isAnimationActive={false} />
            {markerLines(markers, 'procs')}
          </ComposedChart>
        </ResponsiveContainer>
      </div>
      <p className="mt-1 text-xs text-slate-600">
        Children per server average, summed over the app&apos;s servers (max_children {maxChildren} per server).{' '}
        {reached > 0 ? (
          <span className="font-medium text-red-700">max_children reached {reached}× in this range.</span>
        ) : (
          'max_children was not reached in this range.'
        )}
      </p>
      <MarkerNote markers={markers} />
    </div>
  );
}
