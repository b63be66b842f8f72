import type { Readable } from 'node:stream';
import type { Caller, CallerAudit } from '../access/caller.ts';
import { EscuchaError } from '../platform/errors.ts';
import type { PaymentSource } from '../../models/database.ts';
import { paymentFields, paymentInputSchema, rowProblems, type PaymentInput } from './payment.ts';
import { readPaymentFile, type FileRow, type PaymentFileFormat } from './payment.reader.ts';
import type { PaymentsRepository } from './payments.repository.ts';
import type { PromiseLedgerService } from './promise-ledger.service.ts';

/** What an import did: all of it, or (with errors) nothing. */
export interface PaymentImportReport {
  rows: number;
  /** Payments stored (0 when any row was refused). */
  imported: number;
  /** Payments stored before with the same values (by external id). */
  duplicates: number;
  /** Bad rows, by line (file) or position (batch, from 1): the first `MAX_REPORTED`. */
  errors: { line: number; reason: string }[];
  errorCount: number;
}

/** Payments stored per statement. */
const BATCH = 1000;
/** Bad rows listed in a report (all are counted). */
export const MAX_REPORTED = 200;

class Refused extends Error {}

/**
 * Payments in, from a file (CLI) or a batch (the collections system, through the API): every row validated, stored
 * in one transaction with the ledger of the accounts they are on recomputed, or — when any row is bad — nothing
 * stored and every bad row reported with its line and reason. Importing a payment again (same external id, same
 * values) changes nothing; the same external id with other values is a bad row. A successful import is audited.
 */
export class PaymentsService {
  constructor(
    private readonly deps: {
      payments: PaymentsRepository;
      ledger: PromiseLedgerService;
      auditor: CallerAudit;
    },
  ) {}

  /** Imports a CSV or JSONL file as it streams in; `onProgress` hears the rows read so far. */
  importFile(
    caller: Caller,
    input: Readable,
    format: PaymentFileFormat,
    onProgress?: (rows: number) => void,
  ): Promise<PaymentImportReport> {
    return this.importRows(caller, readPaymentFile(input, format), 'file', onProgress);
  }

  /** A batch the collections system sent (validated by the API's schema): all stored, or a CONFLICT and none. */
  async importBatch(caller: Caller, payments: readonly PaymentInput[]): Promise<PaymentImportReport> {
    const report = await this.importRows(
      caller,
      payments.map((payment, i) => ({ line: i + 1, payment })),
      'api',
    );
    if (report.errorCount > 0) {
      throw new EscuchaError(
        'CONFLICT',
        `${report.errorCount} payment(s) refused, none stored: ${report.errors
          .slice(0, 5)
          .map((e) => `#${e.line} ${e.reason}`)
          .join('; ')}`,
        { details: { errors: report.errors } },
      );
    }
    return report;
  }

  private async importRows(
    caller: Caller,
    rows: AsyncIterable<FileRow> | Iterable<FileRow | { line: number; payment: PaymentInput }>,
    source: PaymentSource,
    onProgress?: (rows: number) => void,
  ): Promise<PaymentImportReport> {
    const report: PaymentImportReport = { rows: 0, imported: 0, duplicates: 0, errors: [], errorCount: 0 };
    const refuse = (line: number, reason: string) => {
      report.errorCount += 1;
      if (report.errors.length < MAX_REPORTED) report.errors.push({ line, reason });
    };
    try {
      await this.deps.payments.transaction(async (trx) => {
        const accounts = new Set<string>();
        let batch: { line: number; payment: PaymentInput }[] = [];
        const flush = async () => {
          const pending = batch;
          batch = [];
          // Stored even after a bad row (the transaction is rolled back then), so that every row is checked
          // against the payments already there.
          if (pending.length === 0) return;
          const stored = await this.deps.payments.storeBatch(
            trx,
            pending.map((p) => p.payment),
            source,
          );
          report.imported += stored.inserted;
          report.duplicates += pending.length - stored.inserted - stored.conflicting.length;
          for (const a of stored.accounts) accounts.add(a);
          const conflicting = new Set(stored.conflicting);
          for (const p of pending) {
            if (conflicting.has(p.payment.externalId)) {
              refuse(p.line, `external id ${p.payment.externalId} was imported before with other values`);
            }
          }
        };
        for await (const row of rows) {
          report.rows += 1;
          if ('problem' in row) {
            refuse(row.line, row.problem);
          } else if ('payment' in row) {
            batch.push(row);
          } else {
            const parsed = paymentInputSchema.safeParse(paymentFields(row.fields));
            if (parsed.success) batch.push({ line: row.line, payment: parsed.data });
            else refuse(row.line, rowProblems(parsed.error));
          }
          if (batch.length >= BATCH) await flush();
          if (onProgress && report.rows % BATCH === 0) onProgress(report.rows);
        }
        await flush();
        onProgress?.(report.rows);
        if (report.errorCount > 0) throw new Refused();
        await this.deps.ledger.recomputeAccounts(trx, [...accounts]);
      });
    } catch (error) {
      if (!(error instanceof Refused)) throw error;
    }
    if (report.errorCount > 0) {
      report.errors.sort((a, b) => a.line - b.line);
      report.imported = 0;
      report.duplicates = 0;
      return report;
    }
    await this.deps.auditor.recordFor(caller, {
      action: 'payments_import',
      targetType: 'payments',
      details: { source, rows: report.rows, imported: report.imported, duplicates: report.duplicates },
    });
    return report;
  }
}
