import { insertSyntheticCalls } from '../archive/synthetic-calls.repository.ts';
import type { Config } from '../platform/config.ts';
import { EscuchaError } from '../platform/errors.ts';
import type { Logger } from '../platform/logger.ts';
import { openDatabaseOnly } from '../composition.ts';

/** `escucha dev seed`: synthetic call metadata for benchmarks. */
export async function runSeed(
  config: Config,
  logger: Logger,
  options: { calls: number; days: number },
): Promise<void> {
  if (!Number.isInteger(options.calls) || options.calls < 1 || options.calls > 50_000_000) {
    throw new EscuchaError('BAD_REQUEST', '--calls must be a whole number between 1 and 50000000');
  }
  if (!Number.isInteger(options.days) || options.days < 1)
    throw new EscuchaError('BAD_REQUEST', '--days must be ≥ 1');
  const database = await openDatabaseOnly(config, logger);
  const started = performance.now();
  try {
    await insertSyntheticCalls(database.db, {
      count: options.calls,
      days: options.days,
      onProgress: (done) => console.error(`seeded ${done}/${options.calls}`),
    });
  } finally {
    await database.close();
  }
  console.log(`seeded ${options.calls} calls in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
