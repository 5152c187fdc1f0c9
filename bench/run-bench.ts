// Every bench's entry point: its imports, then `async function main()`, then `await runBench(main)`.
// With BERTH_BENCH_LOAD_ONLY=1 a bench only loads (its modules resolve and initialise, as when it
// runs) and does none of its work: bench/benches-load.test.ts runs every bench that way through
// scripts/run-ts.mjs, so a broken import fails the unit suite rather than the next bench run.
export const LOADED = 'berth bench: loaded (BERTH_BENCH_LOAD_ONLY=1, nothing run)';

export async function runBench(main: () => Promise<void>): Promise<void> {
  if (process.env.BERTH_BENCH_LOAD_ONLY === '1') {
    console.log(LOADED);
    return;
  }
  await main();
}
