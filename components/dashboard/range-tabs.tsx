import Link from 'next/link';
import { RANGE_SPECS, RANGES, type Range } from '@/lib/dashboard/range';

/** Plain links (server-rendered): each range is its own URL, so it can be bookmarked and shared. */
export function RangeTabs({ base, current }: { base: string; current: Range }) {
  return (
    <nav aria-label="Time range" className="inline-flex rounded-md bg-white p-0.5 shadow-sm ring-1 ring-slate-200">
      {RANGES.map((r) => (
        <Link
          key={r}
          href={`${base}?range=${r}`}
          data-testid={`range-${r}`}
          aria-current={r === current ? 'page' : undefined}
          className={`rounded px-3 py-1 text-sm font-medium ${r === current ? 'bg-indigo-600 text-white' : 'text-slate-700 hover:bg-slate-100'}`}
        >
          {RANGE_SPECS[r].label}
        </Link>
      ))}
    </nav>
  );
}
