import type { Config } from '../platform/config.ts';
import type { Logger } from '../platform/logger.ts';
import { buildServices } from '../composition.ts';
import { startWorkers } from './workers.ts';
import { guardProcess } from '../platform/process-guard.ts';

/**
 * `escucha worker`: runs the analysis workers only (no API). Start as many as the machines allow, on any hosts
 * that reach the database and the object storage; jobs are shared among them and a job whose worker dies is retried
 * by another once it expires (ESCUCHA_JOB_EXPIRE_SECONDS).
 */
export async function runWorker(config: Config, logger: Logger): Promise<void> {
  guardProcess(logger);
  const ctx = await buildServices(config, { logger });
  let workers;
  try {
    workers = await startWorkers(ctx);
  } catch (error) {
    await ctx.close();
    throw error;
  }
  console.log(
    `Escucha ${ctx.version} worker running stages: ${workers.stages.join(', ')} (pid ${process.pid})`,
  );
  for (const note of workers.notes) console.log(`  ${note}`);

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'worker stopping; finishing running jobs');
    await workers.stop();
    await ctx.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}
