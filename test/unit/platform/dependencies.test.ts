import { describe, expect, it } from 'vitest';
import { unavailableDependency } from '../../../services/platform/dependencies.ts';
import { EscuchaError } from '../../../services/platform/errors.ts';

/** Which failures are a dependency's outage (waited out) and which are a job's own (counted as attempts). */
describe('unavailableDependency', () => {
  const refused = () =>
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

  it('names the object store for STORAGE_UNAVAILABLE, even when its cause is a network error', () => {
    const error = new EscuchaError('STORAGE_UNAVAILABLE', 'S3 endpoint is unreachable', { cause: refused() });
    expect(unavailableDependency(error)).toBe('object store');
    expect(unavailableDependency(new Error('decoding failed', { cause: error }))).toBe('object store');
  });

  it('names the database for a refused connection, a terminated one and DATABASE_UNAVAILABLE', () => {
    expect(unavailableDependency(refused())).toBe('database');
    expect(unavailableDependency(new Error('Connection terminated unexpectedly'))).toBe('database');
    expect(unavailableDependency(new EscuchaError('DATABASE_UNAVAILABLE', 'cannot connect'))).toBe(
      'database',
    );
  });

  it('names nothing for the job’s own failures', () => {
    expect(unavailableDependency(new EscuchaError('INVALID_AUDIO', 'no audio stream'))).toBeUndefined();
    expect(
      unavailableDependency(new EscuchaError('STORAGE_ERROR', 'GetObject returned no body')),
    ).toBeUndefined();
    expect(unavailableDependency(new EscuchaError('DISK_FULL', 'no space left'))).toBeUndefined();
    expect(unavailableDependency(new TypeError('x is undefined'))).toBeUndefined();
    expect(unavailableDependency('a string')).toBeUndefined();
  });
});
