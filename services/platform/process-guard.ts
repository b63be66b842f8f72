import type { Logger } from './logger.ts';

/**
 * Long-running processes (serve, worker, capture) must outlive any one failed promise: a library that does not await
 * its own database call (pg-boss completes and fails jobs without awaiting) would otherwise end the process during a
 * database outage, taking the API, the capture and the audio of calls in progress with it. Such a rejection is
 * logged and the process keeps serving; the dependency's own retry (the job's expiry, the delivery backoff, the
 * connection pool) recovers once the outage ends. Exceptions thrown synchronously still end the process (their state
 * is unknown).
 */
export function guardProcess(logger: Logger): () => void {
  let count = 0;
  const onRejection = (reason: unknown) => {
    count++;
    logger.error(
      { err: reason, unhandledRejections: count },
      'a promise failed with nobody to handle it; kept running',
    );
  };
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('unhandledRejection', onRejection);
  };
}
