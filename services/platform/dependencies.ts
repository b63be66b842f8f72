import { isDatabaseUnavailable } from './database.ts';
import { isStorageUnavailable } from './errors.ts';

/** The services a job depends on whose outage is waited out rather than counted against the job. */
export type Dependency = 'database' | 'object store';

/**
 * Which dependency an error says is unavailable (unreachable, down, restarting), or undefined when the error is the
 * job's own (bad input, a bug, a tool failing on this call). The one place that tells a dependency's outage from a
 * real failure: an outage is waited out, a real failure uses up a retry. The object store is asked first, as its
 * errors carry the network error that also looks like a lost database connection.
 */
export function unavailableDependency(error: unknown): Dependency | undefined {
  if (isStorageUnavailable(error)) return 'object store';
  if (isDatabaseUnavailable(error)) return 'database';
  return undefined;
}
