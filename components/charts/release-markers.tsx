'use client';

import { ReferenceLine } from 'recharts';
import type { ReleaseMarker } from '@/lib/dashboard/markers';

/** The marker's label inside the SVG: a real link to the release page. */
function MarkerLabel({ viewBox, marker }: { viewBox?: { x?: number; y?: number }; marker: ReleaseMarker }) {
  if (viewBox?.x === undefined || viewBox.y === undefined) return null;
  return (
    <a href={marker.href} aria-label={marker.title}>
      <title>{marker.title}</title>
      <text x={viewBox.x + 3} y={viewBox.y + 10} fill={marker.color} fontSize={10} fontWeight={600} style={{ cursor: 'pointer' }}>
        {marker.label}
      </text>
    </a>
  );
}

/**
 * One vertical line per release. Returned as an array of elements (not a component): recharts
 * only finds ReferenceLines that are direct children of the chart.
 */
export function markerLines(markers: ReleaseMarker[], yAxisId?: string) {
  return markers.map((m) => (
    <ReferenceLine
      key={m.id}
      x={m.t}
      yAxisId={yAxisId}
      stroke={m.color}
      strokeDasharray={m.kind === 'rollback' ? '4 3' : undefined}
      strokeWidth={1.5}
      ifOverflow="extendDomain"
      label={<MarkerLabel marker={m} />}
    />
  ));
}

/** The same markers as a list of links under the chart (keyboard- and test-friendly). */
export function MarkerLegend({ markers }: { markers: ReleaseMarker[] }) {
  if (markers.length === 0) return <p className="mt-2 text-xs text-slate-500">No deploys or rollbacks in this range.</p>;
  return (
    <ul className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs" aria-label="Releases in this range">
      {markers.map((m) => (
        <li key={m.id} className="flex items-center gap-1">
          <span className="inline-block h-2.5 w-0.5" style={{ background: m.color }} aria-hidden />
          <a
            href={m.href}
            data-testid="release-marker"
            data-kind={m.kind}
            data-status={m.status}
            className="text-indigo-700 hover:underline"
            title={m.title}
          >
            {m.label}
          </a>
          <span className="text-slate-500">{m.status.replace('_', ' ')}</span>
        </li>
      ))}
    </ul>
  );
}
