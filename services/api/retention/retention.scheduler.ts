import { errorMessage } from '../../platform/errors.ts';
import type { Logger } from '../../platform/logger.ts';
import type { RetentionService } from './retention.service.ts';

/**
 * Runs retention once a day inside `escucha serve` (first run shortly after start-up). Runs are idempotent, so
 * several API processes running it at once only repeat work.
 */
export class RetentionScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly service: RetentionService,
    private readonly logger: Logger,
    private readonly options: { intervalMs: number; firstDelayMs: number } = {
      intervalMs: 24 * 60 * 60_000,
      firstDelayMs: 5 * 60_000,
    },
  ) {}

  start(): void {
    const tick = (delay: number) => {
      this.timer = setTimeout(() => {
        this.running = this.runOnce().finally(() => {
          this.running = undefined;
          if (this.timer) tick(this.options.intervalMs);
        });
      }, delay);
      this.timer.unref();
    };
    tick(this.options.firstDelayMs);
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
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
