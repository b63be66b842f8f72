import { callSearchSchema } from '../../models/call.ts';
import type { CallQueryRepository } from '../api/calls/call-query.repository.ts';
import { parseOrThrow } from '../platform/validation.ts';
import { isStageName, STAGES, type StageName } from '../pipeline/jobs.ts';
import type { Config } from '../platform/config.ts';
import { EscuchaError } from '../platform/errors.ts';
import type { Logger } from '../platform/logger.ts';
import { buildMaintenance, createPipeline, openDatabaseOnly } from '../composition.ts';
import { STAGE_STATUSES, type StageStatus } from '../../models/database.ts';

function stageOf(value: string | undefined, required: boolean): StageName | undefined {
  if (value === undefined) {
    if (required) throw new EscuchaError('BAD_REQUEST', `--stage is required (one of ${STAGES.join(', ')})`);
    return undefined;
  }
  if (!isStageName(value))
    throw new EscuchaError('BAD_REQUEST', `unknown stage "${value}"; stages: ${STAGES.join(', ')}`);
  return value;
}

export interface JobsListOptions {
  stage?: string;
  status?: string;
  call?: string;
  limit: string;
}

/** `escucha jobs list`: outcomes per call and stage (newest first), with totals per stage and status. */
export async function runJobsList(config: Config, logger: Logger, options: JobsListOptions): Promise<void> {
  const stage = stageOf(options.stage, false);
  if (options.status && !(STAGE_STATUSES as readonly string[]).includes(options.status)) {
    throw new EscuchaError(
      'BAD_REQUEST',
      `unknown status "${options.status}"; one of ${STAGE_STATUSES.join(', ')}`,
    );
  }
  const database = await openDatabaseOnly(config, logger);
  try {
    const { outcomes } = buildMaintenance(config, database, logger);
    const counts = await outcomes.counts();
    console.log(
      'totals: ' + (counts.map((c) => `${c.stage}/${c.status}=${c.n}`).join('  ') || 'no jobs yet'),
    );
    const rows = await outcomes.list({
      ...(stage ? { stage } : {}),
      ...(options.status ? { status: options.status as StageStatus } : {}),
      ...(options.call ? { callId: options.call } : {}),
      limit: Math.max(1, Math.min(10_000, Number(options.limit) || 50)),
    });
    for (const r of rows) {
      const detail = r.reason ? `  ${r.reason}` : '';
      const model = r.model ? `  [${r.model}]` : '';
      console.log(
        `${r.callId}  ${r.stage.padEnd(10)} ${r.status.padEnd(8)} attempts=${r.attempts}${model}${detail}`,
      );
    }
  } finally {
    await database.close();
  }
}

/** `escucha jobs retry --stage S [--call ID]`: re-enqueues failed jobs of a stage. */
export async function runJobsRetry(
  config: Config,
  logger: Logger,
  options: { stage?: string; call?: string },
): Promise<void> {
  const stage = stageOf(options.stage, true)!;
  const database = await openDatabaseOnly(config, logger);
  const pipeline = createPipeline(config, database, logger);
  try {
    await pipeline.start();
    const n = await pipeline.retryFailed(stage, options.call);
    console.log(`re-enqueued ${n} failed ${stage} job${n === 1 ? '' : 's'}`);
  } finally {
    await pipeline.stop();
    await database.close();
  }
}

export interface JobsRerunOptions {
  stage?: string;
  call?: string[];
  only: boolean;
  all: boolean;
  /** Search filters, as GET /api/v1/calls takes them. */
  filters: Record<string, string>;
}

async function* callIds(
  queries: CallQueryRepository,
  filters: Record<string, string>,
): AsyncGenerator<string> {
  let cursor: string | undefined;
  do {
    const q = parseOrThrow(
      callSearchSchema,
      { ...filters, limit: '500', ...(cursor ? { cursor } : {}) },
      'INVALID_QUERY',
      'invalid filter',
    );
    const page = await queries.search(q);
    for (const c of page.items) yield c.id;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

/**
 * `escucha jobs rerun --stage S (--call ID... | filters | --all)`: runs a stage again for the selected calls,
 * replacing its earlier result, and (unless --only) the stages after it.
 */
export async function runJobsRerun(config: Config, logger: Logger, options: JobsRerunOptions): Promise<void> {
  const stage = stageOf(options.stage, true)!;
  const hasFilters = Object.keys(options.filters).length > 0;
  const calls = options.call ?? [];
  if (calls.length === 0 && !hasFilters && !options.all) {
    throw new EscuchaError(
      'BAD_REQUEST',
      'select calls with --call ID, with search filters (--campaign, --from, --to, --agent, ...) or with --all',
    );
  }
  const database = await openDatabaseOnly(config, logger);
  const pipeline = createPipeline(config, database, logger);
  try {
    await pipeline.start();
    if (!pipeline.order.includes(stage)) {
      throw new EscuchaError(
        'BAD_REQUEST',
        `stage ${stage} does not run in this deployment (${pipeline.order.join(', ')})`,
      );
    }
    const { queries } = buildMaintenance(config, database, logger);
    let n = 0;
    const enqueue = async (callId: string) => {
      await pipeline.enqueue(stage, { callId, rerun: true, ...(options.only ? { only: true } : {}) });
      n++;
      if (n % 1000 === 0) console.error(`enqueued ${n}`);
    };
    if (calls.length > 0) {
      for (const id of calls) {
        await queries.get(id); // CALL_NOT_FOUND for a wrong id
        await enqueue(id);
      }
    } else {
      for await (const id of callIds(queries, options.filters)) await enqueue(id);
    }
    console.log(
      `enqueued ${stage} for ${n} call${n === 1 ? '' : 's'}${options.only ? ' (this stage only)' : ''}`,
    );
  } finally {
    await pipeline.stop();
    await database.close();
  }
}
