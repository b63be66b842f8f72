/**
 * `npm run bench`: Escucha's benchmarks. Prints medians as they finish. Select with arguments, e.g.
 * `npm run bench -- ingest search`; `npm run bench -- search --calls 10000` seeds a smaller archive. Figures are kept in
 * BENCHMARKS.md.
 */
const args = process.argv.slice(2);
const callsAt = args.indexOf('--calls');
/**
 * `--calls N`: the search benchmark's archive size (default 1,000,000) and the dashboards benchmark's (default
 * 10,000,000); `--calls 1,4,8,12`: the live benchmark's steps (calls at once).
 */
const callList = callsAt >= 0 ? (args[callsAt + 1] ?? '').split(',').map(Number) : undefined;
if (callList !== undefined && !callList.every((n) => Number.isInteger(n) && n > 0)) {
  console.error('--calls needs a whole number of calls, or a list of them (1,4,8)');
  process.exit(2);
}
const calls = callList?.[0];

const promisesAt = args.indexOf('--promises');
/** `--promises N`: the ledger benchmark's size (default 1,000,000 promises against 2,000,000 payments). */
const promises = promisesAt >= 0 ? Number(args[promisesAt + 1]) : undefined;

const suites: Record<string, () => Promise<unknown>> = {
  ingest: async () => (await import('./ingest.bench.ts')).run(),
  transcode: async () => (await import('./transcode.bench.ts')).run(),
  search: async () => (await import('./search.bench.ts')).run(calls === undefined ? {} : { calls }),
  speech: async () => (await import('./speech.bench.ts')).run(),
  asr: async () => (await import('./asr.bench.ts')).run(),
  analytics: async () => (await import('./analytics.bench.ts')).run(),
  capture: async () => (await import('./capture.bench.ts')).run(),
  srtp: async () => (await import('./srtp.bench.ts')).run(),
  startup: async () => (await import('./startup.bench.ts')).run(),
  live: async () => (await import('./live.bench.ts')).run(callList ? { calls: callList } : {}),
  'capture-live': async () => (await import('./capture.bench.ts')).runWithLiveTranscript(),
  'live-decode': async () => (await import('./live-decode.bench.ts')).run(),
  dashboards: async () => (await import('./dashboards.bench.ts')).run(calls === undefined ? {} : { calls }),
  ledger: async () => (await import('./ledger.bench.ts')).run(promises === undefined ? {} : { promises }),
};

const wanted = args.filter(
  (a, i) =>
    !a.startsWith('-') && !(callsAt >= 0 && i === callsAt + 1) && !(promisesAt >= 0 && i === promisesAt + 1),
);
const names = wanted.length > 0 ? wanted : Object.keys(suites);
let failed = false;
for (const name of names) {
  const suite = suites[name];
  if (!suite) {
    console.error(`unknown benchmark "${name}"; known: ${Object.keys(suites).join(', ')}`);
    failed = true;
    continue;
  }
  const started = performance.now();
  try {
    const result = await suite();
    console.log(`\n## ${name} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    console.log(JSON.stringify(result, null, 2));
  } catch (error) {
    console.error(`benchmark ${name} failed:`, error);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
