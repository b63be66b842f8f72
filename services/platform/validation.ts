import type { z } from 'zod';
import { EscuchaError, type ErrorCode } from './errors.ts';

/** Validates input with a zod schema; a failure becomes an EscuchaError listing every problem by field. */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  code: ErrorCode,
  what: string,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => ({
    field: i.path.join('.') || '(root)',
    message: i.message,
  }));
  throw new EscuchaError(code, `${what}: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, {
    details: { problems },
  });
}
