import type { AuditRepository } from '../api/audit/audit.repository.ts';
import type { RetentionService } from '../api/retention/retention.service.ts';
import type { OriginalsCustody } from '../analysis/analysis.service.ts';

/**
 * Legal holds (on the call, or a held search that matches it) and the audit trail, for the analytics stage when
 * ESCUCHA_REDACTION_ORIGINALS=discard: the same hold check retention uses, and an audit event by the system.
 */
export function originalsCustody(people: {
  retention: RetentionService;
  audit: AuditRepository;
}): OriginalsCustody {
  return {
    isHeld: async (callId) => (await people.retention.heldAmong([callId])).has(callId),
    discarded: async (callId, details) => {
      await people.audit.append(
        { type: 'system', id: 'redaction', name: 'redaction policy', role: null },
        { ip: null, userAgent: null },
        { action: 'discard_unredacted', callId, targetType: 'call', targetId: callId, details },
      );
    },
  };
}
