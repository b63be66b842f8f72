import { AuditRepository } from '../api/audit/audit.repository.ts';
import { RetentionRepository } from '../api/retention/retention.repository.ts';
import { RetentionService } from '../api/retention/retention.service.ts';
import type { ObjectStore } from '../archive/object-store.ts';
import type { OriginalsCustody } from '../analysis/analysis.service.ts';
import type { Db } from '../platform/database.ts';
import type { Logger } from '../platform/logger.ts';

/**
 * Legal holds (on the call, or a held search that matches it) and the audit trail, for the analytics stage when
 * ESCUCHA_REDACTION_ORIGINALS=discard: the same hold check retention uses, and an audit event by the system.
 */
export function originalsCustody(deps: { db: Db; store: ObjectStore; logger: Logger }): OriginalsCustody {
  const audit = new AuditRepository(deps.db);
  const retention = new RetentionService({
    repository: new RetentionRepository(deps.db),
    db: deps.db,
    store: deps.store,
    audit,
    logger: deps.logger,
  });
  return {
    isHeld: async (callId) => (await retention.heldAmong([callId])).has(callId),
    discarded: async (callId, details) => {
      await audit.append(
        { type: 'system', id: 'redaction', name: 'redaction policy', role: null },
        { ip: null, userAgent: null },
        { action: 'discard_unredacted', callId, targetType: 'call', targetId: callId, details },
      );
    },
  };
}
