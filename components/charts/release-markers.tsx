'use client';

import { ReferenceLine } from 'recharts';
import type { ReleaseMarker } from '@/lib/dashboard/markers';

/** Label rows, top down: markers close together stagger instead of printing over each other. */
const LABEL_ROWS = 3;

/** The marker's label inside the SVG: a real link to the release page, its details on hover. */
function MarkerLabel({ viewBox, marker, row }: { viewBox?: { x?: number; y?: number }; marker: ReleaseMarker; row: number }) {
  if (viewBox?.x === undefined || viewBox.y === undefined) return null;
  return (
    <a href={marker.href} aria-label={marker.title} data-testid="release-marker" data-kind={marker.kind} data-status={marker.status}>
      <title>{marker.title}</title>
      <text
        x={viewBox.x + 3}
        y={viewBox.y + 10 + row * 11}
        fill={marker.color}
        fontSize={10}
        fontWeight={600}
        style={{ cursor: 'pointer' }}
      >
        {marker.label}
      </text>
    </a>
  );
}

/**
 * One labelled vertical line per release. Returned as an array of elements (not a component):
 * recharts only finds ReferenceLines that are direct children of the chart.
 */
export function markerLines(markers: ReleaseMarker[], yAxisId?: string) {
  return markers.map((m, i) => (
    <ReferenceLine
      key={m.id}
      x={m.t}
      yAxisId={yAxisId}
      stroke={m.color}
      strokeDasharray={m.kind === 'rollback' ? '4 3' : undefined}
      strokeWidth={1.5}
      ifOverflow="extendDomain"
      label={<MarkerLabel marker={m} row={i % LABEL_ROWS} />}
    />
  ));
}

/** One line under the chart: how many releases it marks (the labels on the lines are the links). */
export function MarkerNote({ markers }: { markers: ReleaseMarker[] }) {
  const n = markers.length;
  return (
    <p className="mt-1 text-xs text-slate-500">
      {n === 0
        ? 'No deploys or rollbacks in this range.'
        : `${n} release${n === 1 ? '' : 's'} marked on the chart (dashed: rollbacks); hover a label for details.`}
    </p>
  );
}
