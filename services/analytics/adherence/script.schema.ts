import { z } from 'zod';
import { PARTIES } from '../../../models/database.ts';

/**
 * Script documents: what an agent must and must not say, per campaign and language, versioned. Phrases use the
 * matcher's pattern syntax (services/analytics/matching/phrase.pattern.ts): `(a|b)` alternatives, `[x]` optional,
 * `*` a short free gap.
 *
 * Rule types:
 * - required_phrase: one of `phrases` said by `party`, optionally within the first/last N seconds of the call.
 * - required_mention: one of `words` said by `party` at least `minCount` times, anywhere.
 * - forbidden_phrase: none of `phrases` said by `party` (violations carry evidence).
 * - order: the first occurrence of rule `first` comes before the first occurrence of rule `then`. With
 *   `requireBoth: false` (default) the rule holds when `then` never occurs.
 */

const party = z.enum([...PARTIES, 'any']);
const phrases = z.array(z.string().trim().min(1).max(400)).min(1).max(200);

const base = {
  id: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'rule ids are lower-case letters, digits and _'),
  description: z.string().trim().min(1).max(500),
  weight: z.number().min(0).max(100).default(1),
  /** A failed critical rule fails the whole evaluation, whatever the score. */
  critical: z.boolean().default(false),
};

const window = z.strictObject({ from: z.enum(['start', 'end']), seconds: z.number().positive().max(36_000) });

export const requiredPhraseRule = z.strictObject({
  ...base,
  type: z.literal('required_phrase'),
  phrases,
  party: party.default('agent'),
  window: window.optional(),
  minScore: z.number().min(0.5).max(1).optional(),
});

export const requiredMentionRule = z.strictObject({
  ...base,
  type: z.literal('required_mention'),
  words: phrases,
  party: party.default('agent'),
  minCount: z.number().int().min(1).max(100).default(1),
  minScore: z.number().min(0.5).max(1).optional(),
});

export const forbiddenPhraseRule = z.strictObject({
  ...base,
  type: z.literal('forbidden_phrase'),
  phrases,
  party: party.default('agent'),
  minScore: z.number().min(0.5).max(1).optional(),
});

export const orderRule = z.strictObject({
  ...base,
  type: z.literal('order'),
  first: z.string(),
  then: z.string(),
  requireBoth: z.boolean().default(false),
});

export const scriptRuleSchema = z.discriminatedUnion('type', [
  requiredPhraseRule,
  requiredMentionRule,
  forbiddenPhraseRule,
  orderRule,
]);

export const scriptSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,99}$/, 'script ids are lower-case letters, digits and -'),
    name: z.string().trim().min(1).max(200),
    version: z.number().int().min(1),
    language: z.enum(['es', 'en']),
    /** Campaign names this script applies to; "*" for any. */
    campaigns: z.array(z.string().trim().min(1).max(100)).min(1).default(['*']),
    /** Score (0–100) at or above which the call passes. */
    passScore: z.number().min(0).max(100).default(80),
    rules: z.array(scriptRuleSchema).min(1).max(200),
  })
  .superRefine((s, ctx) => {
    const ids = new Set<string>();
    for (const r of s.rules) {
      if (ids.has(r.id))
        ctx.addIssue({ code: 'custom', message: `duplicate rule id "${r.id}"`, path: ['rules'] });
      ids.add(r.id);
    }
    for (const r of s.rules) {
      if (r.type !== 'order') continue;
      for (const ref of [r.first, r.then]) {
        const target = s.rules.find((x) => x.id === ref);
        if (!target)
          ctx.addIssue({
            code: 'custom',
            message: `rule "${r.id}" refers to unknown rule "${ref}"`,
            path: ['rules'],
          });
        else if (target.type === 'order' || target.type === 'forbidden_phrase') {
          ctx.addIssue({
            code: 'custom',
            message: `rule "${r.id}" can only order phrase or mention rules`,
            path: ['rules'],
          });
        }
      }
    }
  });

export type ScriptInput = z.input<typeof scriptSchema>;
export type Script = z.output<typeof scriptSchema>;
export type ScriptRule = z.output<typeof scriptRuleSchema>;
