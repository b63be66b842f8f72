import { z } from 'zod';

/**
 * A payment as the collections system reports it: the account it was paid on (the calls' `customerRef`), the
 * amount and currency, when it was paid, through which channel, and the collections system's own id for it
 * (`externalId`: importing the same payment again changes nothing). One schema for the API's batch and for files.
 */
export const paymentInputSchema = z.strictObject({
  externalId: z.string().trim().min(1).max(200),
  account: z.string().trim().min(1).max(200),
  amount: z.coerce
    .number()
    .positive()
    .max(1e13)
    .refine((v) => Math.round(v * 100) === Number((v * 100).toFixed(6)), 'at most two decimals'),
  currency: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{3}$/, 'a three-letter ISO 4217 code')
    .transform((v) => v.toUpperCase()),
  /** ISO 8601; a date alone is midnight UTC. */
  paidAt: z.iso
    .datetime({ offset: true })
    .or(z.iso.date())
    .transform((v) => new Date(v)),
  channel: z.string().trim().max(100).nullable().optional(),
});
export type PaymentInput = z.output<typeof paymentInputSchema>;

/** Column names a file may use for each field (CSV headers or JSONL keys), besides the field's own. */
const ALIASES: Record<string, keyof PaymentInput> = {
  external_id: 'externalId',
  id: 'externalId',
  account_id: 'account',
  customer_ref: 'account',
  customerRef: 'account',
  paid_at: 'paidAt',
};

/** One row of a file as the payment schema reads it: aliases renamed, empty cells left out. */
export function paymentFields(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (value === '' || value === null || value === undefined) continue;
    out[Object.hasOwn(ALIASES, key) ? ALIASES[key]! : key] = value;
  }
  return out;
}

/** Why a row was refused: every problem, by field, in one line. */
export function rowProblems(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'row'}: ${i.message}`).join('; ');
}
