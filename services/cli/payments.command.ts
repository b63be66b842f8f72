import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Presets, SingleBar } from 'cli-progress';
import { systemCaller } from '../access/caller.ts';
import { Auditor } from '../api/audit/auditor.ts';
import { insertSyntheticCalls } from '../archive/synthetic-calls.repository.ts';
import { hasCollectionsDemo, insertCollectionsDemo } from '../collections/demo-data.repository.ts';
import { formatOfFile, type PaymentFileFormat } from '../collections/payment.reader.ts';
import { buildCollections, buildMaintenance, openDatabaseOnly } from '../composition.ts';
import type { Config } from '../platform/config.ts';
import type { DatabaseHandle } from '../platform/database.ts';
import { EscuchaError } from '../platform/errors.ts';
import type { Logger } from '../platform/logger.ts';

/** Rows between progress lines when stderr is not a terminal. */
const PROGRESS_LINES_EVERY = 100_000;

async function withCollections<T>(
  config: Config,
  logger: Logger,
  work: (c: ReturnType<typeof buildCollections>, db: DatabaseHandle['db']) => Promise<T>,
): Promise<T> {
  const database = await openDatabaseOnly(config, logger);
  try {
    const auditor = new Auditor(buildMaintenance(config, database, logger).audit);
    return await work(buildCollections(config, database.db, auditor), database.db);
  } finally {
    await database.close();
  }
}

/**
 * `escucha payments import <file>`: a CSV or JSONL file of payments, streamed, all stored or none (every bad row
 * printed with its line and reason). Returns whether it was imported.
 */
export async function runPaymentsImport(
  config: Config,
  logger: Logger,
  options: { file: string; format?: PaymentFileFormat; progress: boolean },
): Promise<boolean> {
  const format = options.format ?? formatOfFile(options.file);
  if (!format) {
    throw new EscuchaError('BAD_REQUEST', `${options.file}: name a .csv or .jsonl file, or give --format`);
  }
  const size = (await stat(options.file)).size;
  return withCollections(config, logger, async ({ payments }) => {
    const input = createReadStream(options.file);
    const bar =
      options.progress && process.stderr.isTTY
        ? new SingleBar(
            { format: ' {bar} {percentage}% | {rows} rows | {eta_formatted} left' },
            Presets.shades_classic,
          )
        : undefined;
    bar?.start(size, 0, { rows: 0 });
    let lastLine = 0;
    const report = await payments.importFile(
      systemCaller('cli', 'escucha payments import'),
      input,
      format,
      (rows) => {
        bar?.update(input.bytesRead, { rows });
        if (!bar && options.progress && rows - lastLine >= PROGRESS_LINES_EVERY) {
          lastLine = rows;
          console.error(`${rows} rows read (${Math.round((100 * input.bytesRead) / Math.max(1, size))}%)`);
        }
      },
    );
    bar?.update(size, { rows: report.rows });
    bar?.stop();
    if (report.errorCount > 0) {
      for (const e of report.errors) console.error(`${options.file}:${e.line}: ${e.reason}`);
      if (report.errorCount > report.errors.length) {
        console.error(`… and ${report.errorCount - report.errors.length} more bad rows`);
      }
      console.error(
        `${report.errorCount} bad row(s) of ${report.rows}: nothing was imported; correct them and import the file again`,
      );
      return false;
    }
    console.log(
      `${report.rows} rows: ${report.imported} payments imported, ${report.duplicates} already imported`,
    );
    return true;
  });
}

/**
 * `escucha payments recompute`: the whole promise ledger allocated again (after a change of grace or tolerance), then
 * the dashboards' summaries brought up to date, here rather than by the next dashboard read (a recompute that
 * changes many promises marks them to be summed again whole).
 */
export async function runLedgerRecompute(config: Config, logger: Logger): Promise<void> {
  await withCollections(config, logger, async ({ ledger, metrics }) => {
    let started = performance.now();
    const done = await ledger.recomputeAll();
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `${done.promises} promises on ${done.accounts} accounts recomputed in ${seconds.toFixed(1)} s`,
    );
    started = performance.now();
    const summaries = await metrics.bringUpToDate();
    console.log(
      `collections summary rows ${summaries === 'fresh' ? 'already up to date' : `${summaries} in ${((performance.now() - started) / 1000).toFixed(1)} s`}`,
    );
  });
}

/**
 * `escucha payments rollup`: the collections dashboards' summary rows summed again from scratch (they are kept up to
 * date as calls, analyses and promises change; this is for a database restored or edited by hand).
 */
export async function runRollupRebuild(config: Config, logger: Logger): Promise<void> {
  await withCollections(config, logger, async ({ metrics }) => {
    const started = performance.now();
    await metrics.rebuild();
    console.log(
      `collections summary rows rebuilt in ${((performance.now() - started) / 1000).toFixed(1)} s (days in ${config.collections.timeZone})`,
    );
  });
}

/**
 * `escucha dev seed-collections`: seeded calls (metadata only) over the last days, with analyses, promises to pay and
 * payments, and the ledger computed, so that the collections page and metrics have something to show.
 */
export async function runCollectionsDemo(
  config: Config,
  logger: Logger,
  options: { calls: number; days: number },
): Promise<void> {
  if (
    !Number.isInteger(options.calls) ||
    options.calls < 1 ||
    !Number.isInteger(options.days) ||
    options.days < 1
  ) {
    throw new EscuchaError('BAD_REQUEST', '--calls and --days take whole numbers, 1 or more');
  }
  await withCollections(config, logger, async (collections, db) => {
    console.log(await seedCollections(db, collections, options));
  });
}

/**
 * A month (or `days`) of synthetic collections work: seeded calls (metadata only) with analyses, promises to pay
 * and payments, and the ledger computed. `escucha dev seed-collections` and `escucha demo` share it.
 */
export async function seedCollections(
  db: DatabaseHandle['db'],
  { ledger }: Pick<ReturnType<typeof buildCollections>, 'ledger'>,
  options: { calls: number; days: number },
): Promise<string> {
  await insertSyntheticCalls(db, { count: options.calls, days: options.days });
  const made = await insertCollectionsDemo(db);
  const done = await ledger.recomputeAll();
  return `${options.calls} calls (${made.analysed} analysed), ${made.promises} promises to pay and ${made.payments} payments; ledger computed for ${done.accounts} accounts`;
}

/** Calls of the demo's month of collections work. */
const DEMO_COLLECTIONS = { calls: 1500, days: 30 };

/**
 * `escucha demo`'s collections part: the month of synthetic collections work, once (nothing when its payments are
 * there already), so the ledger, the follow-up queue and the dashboards have something to show.
 */
export async function loadDemoCollections(
  db: DatabaseHandle['db'],
  collections: Pick<ReturnType<typeof buildCollections>, 'ledger'>,
): Promise<string> {
  if (await hasCollectionsDemo(db)) return 'demo collections: already there';
  return `demo collections: ${await seedCollections(db, collections, DEMO_COLLECTIONS)}`;
}
