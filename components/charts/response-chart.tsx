'use client';

import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ReleaseMarker } from '@/lib/dashboard/markers';
import type { Range } from '@/lib/dashboard/range';
import type { ResponseLine, ResponsePoint } from '@/lib/dashboard/series';
import { markerLines, MarkerNote } from './release-markers';
import { useTimeZone } from '@/components/ui/time';
import { pointLabel, tickLabel, timeTicks } from './time-axis';

const FAIL = '#dc2626';

/** Average response time per point, one line per monitor; red dots where checks failed; release markers. */
export function ResponseChart({
  range,
  start,
  end,
  lines,
  points,
  markers,
}: {
  range: Range;
  start: number;
  end: number;
  lines: ResponseLine[];
  points: ResponsePoint[];
  markers: ReleaseMarker[];
}) {
  const zone = useTimeZone();
  const failed = points.reduce((n, p) => n + p.failures, 0);
  // Points that carry data (the window's empty buckets are drawn as gaps and not counted).
  const filled = points.filter((p) => p.checks > 0).length;
  return (
    <div data-testid="response-chart" data-points={filled} data-buckets={points.length} data-lines={lines.length} data-failures={failed}>
      <div className="h-64 w-full">
        <ResponsiveContainer>
          <LineChart data={points} margin={{ top: 16, right: 12, bottom: 0, left: -8 }}>
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
            <YAxis fontSize={11} unit=" ms" allowDecimals={false} />
            <Tooltip labelFormatter={(t) => pointLabel(Number(t), zone)} formatter={(v, name) => [v === null ? '—' : `${v} ms`, name]} />
            <Legend />
            {lines.map((l) => (
              <Line
                key={l.key}
                dataKey={l.key}
                name={l.label}
                stroke={l.color}
                dot={false}
                connectNulls={false}
                isAnimationActive={false}
              />
            ))}
            {lines.map((l) => (
              <Line
                key={`f${l.key}`}
                dataKey={`f${l.key.slice(1)}`}
                name={`${l.label}: failed`}
                stroke="none"
                legendType="none"
                dot={{ r: 3, fill: FAIL, stroke: FAIL }}
                activeDot={false}
                isAnimationActive={false}
              />
            ))}
            {markerLines(markers)}
          </LineChart>
        </ResponsiveContainer>
      </div>
      <p className="mt-1 text-xs text-slate-600">
        {lines.length === 0 ? (
          'This app has no monitors yet.'
        ) : failed > 0 ? (
          <>
            <span className="font-medium text-red-700">
              ● {failed} failed check{failed === 1 ? '' : 's'}
            </span>{' '}
            in this range (red dots).
          </>
        ) : (
          'No failed checks in this range.'
        )}
      </p>
      <MarkerNote markers={markers} />
    </div>
  );
}
