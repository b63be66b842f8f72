import type { Caller } from '../../access/caller.ts';
import type { AuditEntry, AuditFilter, AuditRepository, VerifyResult } from './audit.repository.ts';
import type { Auditor } from './auditor.ts';

/**
 * The audit trail as compliance reads it: listing (one audited view per filter a minute), export (itself audited)
 * and verification of the hash chain (audited with its result).
 */
export class AuditService {
  constructor(private readonly deps: { audit: AuditRepository; auditor: Auditor }) {}

  /** `query` is the filter as asked, for the audit event. */
  async list(
    caller: Caller,
    filter: AuditFilter,
    query: unknown,
  ): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
    await this.deps.auditor.recordOnceFor(caller, { action: 'audit_view', details: { filter: query } });
    return this.deps.audit.list(filter);
  }

  /** Every entry the filter matches, oldest first, once the export itself is audited. */
  async export(
    caller: Caller,
    filter: Omit<AuditFilter, 'limit' | 'beforeId'>,
    query: unknown,
  ): Promise<AsyncIterable<AuditEntry>> {
    await this.deps.auditor.recordFor(caller, {
      action: 'export',
      targetType: 'audit_log',
      details: { filter: query },
    });
    return this.deps.audit.stream(filter);
  }

  async verify(caller: Caller): Promise<VerifyResult> {
    const result = await this.deps.audit.verify();
    await this.deps.auditor.recordFor(caller, {
      action: 'audit_verify',
      details: {
        ok: result.ok,
        checked: result.checked,
        ...(result.firstBad ? { firstBad: result.firstBad.id } : {}),
      },
    });
    return result;
  }
}
