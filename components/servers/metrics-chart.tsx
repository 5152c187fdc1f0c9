'use client';

import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useTimeZone } from '@/components/ui/time';
import { formatDateTime, formatTime } from '@/lib/time/format';

/** `t`: the sample's time, ISO 8601; the axis shows it in the reader's zone. */
export type MetricPoint = { t: string; load1: number; memory: number; disk: number };

/** Load (left axis) and memory/disk use in percent (right axis) over the last samples. */
export function MetricsChart({ points }: { points: MetricPoint[] }) {
  const zone = useTimeZone();
  return (
    <div className="h-56 w-full" data-testid="metrics-chart">
      <ResponsiveContainer>
        <LineChart data={points} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
          <XAxis dataKey="t" fontSize={11} tickFormatter={(t: string) => formatTime(t, zone)} />
          <YAxis yAxisId="load" fontSize={11} allowDecimals />
          <YAxis yAxisId="pct" orientation="right" domain={[0, 100]} unit="%" fontSize={11} />
          <Tooltip labelFormatter={(t) => formatDateTime(String(t), zone)} />
          <Legend />
          <Line yAxisId="load" type="monotone" dataKey="load1" name="load (1 min)" stroke="#4f46e5" dot={false} isAnimationActive={false} />
          <Line yAxisId="pct" type="monotone" dataKey="memory" name="memory %" stroke="#059669" dot={false} isAnimationActive={false} />
          <Line yAxisId="pct" type="monotone" dataKey="disk" name="disk %" stroke="#d97706" dot={false} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
