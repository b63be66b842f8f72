/**
 * Start-up of the command line: `escucha --help` from the compiled build (dist/, built first if stale), the same
 * through tsx from the sources, and a bare `node -e 0` as the floor, interleaved so that load on the machine falls
 * on all three alike. Wall-clock milliseconds, median of the runs.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median, round } from './stats.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function timed(args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const started = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = performance.now() - started;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr.toString()}`);
  return ms;
}

export async function run(runs = 9) {
  const build = spawnSync(process.execPath, ['bin/build.js', '--if-stale'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the build failed');
  const compiled: number[] = [];
  const sources: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < runs; i++) {
    floor.push(timed(['-e', '0']));
    compiled.push(timed(['bin/escucha.js', '--help']));
    sources.push(timed(['--import', 'tsx', 'services/cli/main.ts', '--help']));
  }
  return {
    runs,
    nodeFloorMs: round(median(floor)),
    helpCompiledMs: round(median(compiled)),
    helpThroughTsxMs: round(median(sources)),
  };
}
