import { errorMessage } from '../../platform/errors.ts';
import type { Logger } from '../../platform/logger.ts';
import { PeriodicTask } from '../../platform/periodic.ts';
import type { RetentionService } from './retention.service.ts';

/**
 * Runs retention once a day inside `escucha serve` (first run shortly after start-up). Runs are idempotent, so
 * several API processes running it at once only repeat work.
 */
export class RetentionScheduler {
  private readonly periodic: PeriodicTask;

  constructor(
    private readonly service: RetentionService,
    private readonly logger: Logger,
    options: { intervalMs: number; firstDelayMs: number } = {
      intervalMs: 24 * 60 * 60_000,
      firstDelayMs: 5 * 60_000,
    },
  ) {
    this.periodic = new PeriodicTask(() => this.runOnce(), options);
  }

  start(): void {
    this.periodic.start();
  }

  async runOnce(): Promise<void> {
    try {
      const report = await this.service.run({
        actor: { type: 'system', id: 'retention', name: 'retention scheduler', role: null },
      });
      this.logger.info(
        { deleted: report.deleted.length, held: report.held.length, failed: report.failed.length },
        'retention run finished',
      );
    } catch (error) {
      this.logger.error({ err: error, message: errorMessage(error) }, 'retention run failed');
    }
  }

  async stop(): Promise<void> {
    await this.periodic.stop();
  }
}
