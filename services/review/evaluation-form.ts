import type { z } from 'zod';
import {
  commentsSchema,
  FORM_ID,
  formInputSchema,
  prefillSchema,
  QUESTION_ID,
  questionSchema,
} from './evaluation-form.schema.ts';
import { EscuchaError } from '../platform/errors.ts';

/**
 * Evaluation forms: what a reviewer answers about a call, how the answers weigh in the score, and which answers
 * the call's analytics can suggest. Pure: validation, scoring and prefill; storage is evaluation.repository.ts.
 *
 * Question types: `yes_no` (yes / no / na when `allowNa`), `scale` (integer 0…max), `choice` (one option, each
 * with a score 0–1), `text` (free text, never scored). The score of an evaluation is 100 × Σ weight·value / Σ weight
 * over the scored questions answered (na and unanswered optional questions leave the sum); a `critical` yes/no
 * question answered "no" makes the score 0.
 */

export { commentsSchema, FORM_ID, formInputSchema, prefillSchema, QUESTION_ID, questionSchema };
export type Prefill = z.infer<typeof prefillSchema>;
export type Question = z.infer<typeof questionSchema>;
export type FormInput = z.infer<typeof formInputSchema>;

export interface EvaluationForm extends FormInput {
  version: number;
}

export type Answer = string | number;
export type Answers = Record<string, Answer>;

export function isRequired(q: Question): boolean {
  return q.required ?? q.type !== 'text';
}

/**
 * Checks answers against a form: every key a question, every value of its question's type, every required
 * question answered. Throws INVALID_EVALUATION listing each problem by question id; returns the answers
 * without empty values.
 */
export function validateAnswers(form: EvaluationForm, input: Record<string, unknown>): Answers {
  const problems: { field: string; message: string }[] = [];
  const byId = new Map(form.questions.map((q) => [q.id, q]));
  for (const key of Object.keys(input)) {
    if (!byId.has(key)) problems.push({ field: key, message: `no question ${key} in form ${form.id}` });
  }
  const out: Answers = {};
  for (const q of form.questions) {
    const raw = input[q.id];
    if (raw === undefined || raw === null || raw === '') {
      if (isRequired(q)) problems.push({ field: q.id, message: 'an answer is required' });
      continue;
    }
    const problem = checkAnswer(q, raw);
    if (problem) problems.push({ field: q.id, message: problem });
    else out[q.id] = raw as Answer;
  }
  if (problems.length > 0) {
    throw new EscuchaError(
      'INVALID_EVALUATION',
      `answers do not fit form ${form.id} v${form.version}: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
      { details: { problems } },
    );
  }
  return out;
}

function checkAnswer(q: Question, a: unknown): string | null {
  switch (q.type) {
    case 'yes_no': {
      const allowed = q.allowNa ? ['yes', 'no', 'na'] : ['yes', 'no'];
      return allowed.includes(a as string) ? null : `answer one of ${allowed.join(', ')}`;
    }
    case 'scale':
      return Number.isInteger(a) && (a as number) >= 0 && (a as number) <= q.max
        ? null
        : `answer a whole number from 0 to ${q.max}`;
    case 'choice':
      return q.options.some((o) => o.id === a)
        ? null
        : `answer one of ${q.options.map((o) => o.id).join(', ')}`;
    case 'text':
      return typeof a === 'string' && a.length <= 2000 ? null : 'answer text of at most 2000 characters';
  }
}

export interface ScoreResult {
  /** 0–100, one decimal. */
  score: number;
  criticalFailed: boolean;
  /** Sum of the weights that counted. */
  weight: number;
}

/** The weighted score of valid answers (see the module comment). */
export function scoreAnswers(form: EvaluationForm, answers: Answers): ScoreResult {
  let num = 0;
  let den = 0;
  let criticalFailed = false;
  for (const q of form.questions) {
    const a = answers[q.id];
    if (a === undefined || q.type === 'text') continue;
    let value: number;
    if (q.type === 'yes_no') {
      if (a === 'na') continue;
      value = a === 'yes' ? 1 : 0;
      if (q.critical && a === 'no') criticalFailed = true;
    } else if (q.type === 'scale') value = (a as number) / q.max;
    else value = q.options.find((o) => o.id === a)?.score ?? 0;
    num += q.weight * value;
    den += q.weight;
  }
  const raw = den === 0 ? 100 : (100 * num) / den;
  return { score: criticalFailed ? 0 : Math.round(raw * 10) / 10, criticalFailed, weight: den };
}

/** What prefill needs of a call's stored analysis. */
export interface PrefillFacts {
  disclosureOutcome: 'disclosed' | 'late' | 'partial' | 'missing';
  adherencePassed: boolean | null;
  adherenceScore: number | null;
  adherenceRules: { id: string; passed: boolean }[];
  promiseToPay: boolean;
  violations: string[];
}

/** Suggested answers from the call's analytics (none for questions whose source has nothing to say). */
export function prefillAnswers(form: EvaluationForm, facts: PrefillFacts | undefined): Answers {
  const out: Answers = {};
  if (!facts) return out;
  const yesNo = (b: boolean) => (b ? 'yes' : 'no');
  for (const q of form.questions) {
    const p = q.prefill;
    if (!p) continue;
    switch (p.source) {
      case 'disclosure_given':
        out[q.id] = yesNo(facts.disclosureOutcome === 'disclosed');
        break;
      case 'adherence_passed':
        if (facts.adherencePassed !== null) out[q.id] = yesNo(facts.adherencePassed);
        break;
      case 'adherence_rule': {
        const rule = facts.adherenceRules.find((r) => r.id === p.rule);
        if (rule) out[q.id] = yesNo(rule.passed);
        break;
      }
      case 'adherence_score':
        if (facts.adherenceScore !== null && q.type === 'scale') {
          out[q.id] = Math.max(0, Math.min(q.max, Math.round((facts.adherenceScore / 100) * q.max)));
        }
        break;
      case 'promise_to_pay':
        out[q.id] = yesNo(facts.promiseToPay);
        break;
      case 'forbidden_absent':
        out[q.id] = yesNo(
          p.practice ? !facts.violations.includes(p.practice) : facts.violations.length === 0,
        );
        break;
    }
  }
  return out;
}

export type TimedComment = z.infer<typeof commentsSchema>[number];
