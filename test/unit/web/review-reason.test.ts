import { describe, expect, it } from 'vitest';
import { reviewReason } from '../../../services/web/src/format.ts';
import { translate } from '../../../services/web/src/i18n.ts';
import { routeCall, DEFAULT_ROUTING } from '../../../services/analytics/routing/routing.rules.ts';

const es = (key: Parameters<typeof translate>[1], params?: Record<string, string | number>) =>
  translate('es', key, params);
const en = (key: Parameters<typeof translate>[1], params?: Record<string, string | number>) =>
  translate('en', key, params);

describe(reviewReason.name, () => {
  it('says each reason the route stage writes in the UI language, with the ids it lists named', () => {
    const items = routeCall(
      {
        callId: 'c1',
        agentId: 'A-7',
        language: 'es',
        startedAt: '2024-03-11T15:00:00Z',
        disclosure: { outcome: 'partial', missing: ['purpose'] } as never,
        adherence: { score: 40, passed: false, criticalFailed: ['greeting'] },
        sentiment: { customer: { label: 'negative', score: -0.6 } } as never,
        violations: [{ practice: 'threat' }] as never,
        contact: { allowed: false, violations: [{ rule: 'outside_hours' }] } as never,
      },
      { ...DEFAULT_ROUTING, sampleRate: 1 },
    );
    // one item per queue, its reasons joined by "; "
    const reasons = items.flatMap((i) => i.reason.split('; '));
    expect(reasons).toHaveLength(6);
    for (const r of [...reasons, ...items.map((i) => i.reason)]) {
      expect(reviewReason(r, es), r).not.toBe(r);
      expect(reviewReason(r, es), r).not.toMatch(/[a-z]_[a-z]/);
    }
    // the ids the route stage lists (elements, practices, contact rules, script rules) are named, not shown as ids
    expect(reasons.map((r) => reviewReason(r, es))).toContain('aviso incompleto: falta Para qué se graba');
    expect(reasons.map((r) => reviewReason(r, en))).toContain(
      'disclosure partial: missing Why it is recorded',
    );
    const compliance = items.find((i) => i.queue === 'compliance-es')!;
    expect(reviewReason(compliance.reason, es)).toBe(
      'práctica prohibida: amenaza; reglas de contacto: fuera del horario permitido; aviso incompleto: falta Para qué se graba',
    );
    expect(reviewReason('critical script rule failed: greeting, agent_identification', es)).toBe(
      'regla crítica del guion incumplida: saludo, identificación del agente',
    );
    expect(reviewReason('disclosure partial: missing right_to_object', es)).toBe(
      'aviso incompleto: falta El derecho a oponerse',
    );
    expect(reviewReason('disclosure missing', es)).toBe('falta el aviso de grabación');
    const late = routeCall({
      callId: 'c2',
      agentId: 'A-7',
      language: 'es',
      startedAt: '2024-03-11T15:00:00Z',
      disclosure: {
        outcome: 'late',
        missing: [],
        late: ['recorded'],
        elements: [{ id: 'recorded', outcome: 'late', atMs: 95_000 }],
      },
    })[0]!.reason;
    expect(late).toBe('disclosure late: recorded at 95 s');
    expect(reviewReason(late, es)).toBe('aviso tardío: La llamada se graba (95 s)');
    expect(reviewReason('adherence 40 below 70', es)).toBe('cumplimiento 40 por debajo de 70');
    expect(reviewReason('adherence 40 below 70', en)).toBe('adherence 40 below 70');
  });

  it('names an id it has no words for readably, and shows a reason of another shape as written', () => {
    expect(reviewReason('disclosure partial: missing consent_to_record', es)).toBe(
      'aviso incompleto: falta consent to record',
    );
    expect(reviewReason('manual: asked by legal', es)).toBe('manual: asked by legal');
  });
});
