export type Counts = { passed: number; failed: number; skipped: number };

export function run(
  label: string,
  cmd: string,
  args: string[],
  env?: Record<string, string>,
  opts?: { teardown?: boolean },
): Promise<number>;
export function readVitestReport(file: string): Counts;
export function readPlaywrightReport(file: string): Counts;
export function postgresReachable(url: string): Promise<boolean>;
export function fileTimes(file: string): { file: string; seconds: number }[];
export function withStatus(counts: Counts, status: number): Counts;
export function stopChildren(): Promise<void>;
