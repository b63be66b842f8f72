/**
 * Runs a task now and then inside a long-running process: first after `firstDelayMs`, then `intervalMs` after each
 * run ends (never two at once). The timer does not keep the process alive; `stop` waits for a run in progress.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly task: () => Promise<void>,
    private readonly options: { intervalMs: number; firstDelayMs: number },
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(this.options.firstDelayMs);
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(() => {
      this.running = this.task().finally(() => {
        this.running = undefined;
        if (!this.stopped) this.schedule(this.options.intervalMs);
      });
    }, delay);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
