import { PhraseMatcher, toEvidence, type PhraseMatch } from '../matching/phrase.matcher.ts';
import type { PhraseRegistry } from '../matching/phrase.registry.ts';
import type { PreparedTranscript } from '../matching/prepared-transcript.ts';
import type { Evidence } from '../matching/transcript.types.ts';
import { SCRIPT_MIN_SCORE, scriptPhraseSpecs } from './script.phrases.ts';
import type { Script, ScriptRule } from './script.schema.ts';

/**
 * Evaluates a script against a call: each rule passes or fails with its evidence (the phrases found, or for a
 * forbidden phrase the violations), and the score is the weighted share of passed rules (0–100). A failed critical
 * rule fails the call whatever the score.
 */

export interface RuleResult {
  id: string;
  type: ScriptRule['type'];
  description: string;
  passed: boolean;
  weight: number;
  critical: boolean;
  /** Why it failed, in words ("not said", "said after the first 20 s", …). */
  reason: string | null;
  evidence: Evidence[];
}

export interface AdherenceResult {
  scriptId: string;
  scriptVersion: number;
  /** 0–100. */
  score: number;
  passed: boolean;
  rules: RuleResult[];
}

const compiled = new Map<string, PhraseMatcher>();
const byObject = new WeakMap<Script, PhraseMatcher>();

/** A script added to `phrases` (the built-in ones) is matched with the other lists; any other has its own matcher. */
function matchesFor(phrases: PhraseRegistry, prepared: PreparedTranscript, script: Script): PhraseMatch[] {
  const namespace = phrases.namespaceOf(script, script.language);
  if (namespace !== undefined) return phrases.matches(prepared, namespace);
  let m = byObject.get(script);
  if (!m) {
    const key = `${script.id}@${script.version}:${script.language}:${JSON.stringify(script.rules)}`;
    m = compiled.get(key);
    if (!m) {
      m = new PhraseMatcher(scriptPhraseSpecs(script), script.language, { minScore: SCRIPT_MIN_SCORE });
      if (compiled.size > 200) compiled.clear();
      compiled.set(key, m);
    }
    byObject.set(script, m);
  }
  return m.find(prepared);
}

export function evaluateScript(
  phrases: PhraseRegistry,
  prepared: PreparedTranscript,
  script: Script,
  call: { durationMs: number },
): AdherenceResult {
  if (prepared.language !== script.language) {
    throw new RangeError(
      `script ${script.id} is for "${script.language}", the call is "${prepared.language}"`,
    );
  }
  const all = matchesFor(phrases, prepared, script);
  const durationMs = Math.max(call.durationMs, prepared.endMs);
  const found = new Map<string, PhraseMatch[]>();
  for (const m of all) {
    const l = found.get(m.phraseId);
    if (l) l.push(m);
    else found.set(m.phraseId, [m]);
  }
  const firstOf = new Map<string, PhraseMatch | undefined>();
  const results: RuleResult[] = script.rules.map((rule) => {
    const common = {
      id: rule.id,
      type: rule.type,
      description: rule.description,
      weight: rule.weight,
      critical: rule.critical,
    };
    if (rule.type === 'order') return { ...common, passed: false, reason: null, evidence: [] };
    // the rule's phrases are looked for in its party's words only (script.phrases.ts)
    const mine = [...(found.get(rule.id) ?? [])].sort((a, b) => a.startMs - b.startMs);
    firstOf.set(rule.id, mine[0]);
    if (rule.type === 'forbidden_phrase') {
      return {
        ...common,
        passed: mine.length === 0,
        reason: mine.length === 0 ? null : `said ${mine.length} time(s)`,
        evidence: mine.slice(0, 5).map(toEvidence),
      };
    }
    if (rule.type === 'required_mention') {
      const ok = mine.length >= rule.minCount;
      return {
        ...common,
        passed: ok,
        reason: ok
          ? null
          : mine.length === 0
            ? 'not mentioned'
            : `mentioned ${mine.length} time(s), ${rule.minCount} required`,
        evidence: mine.slice(0, 5).map(toEvidence),
      };
    }
    const w = rule.window;
    const inWindow = w
      ? mine.filter((m) =>
          w.from === 'start' ? m.startMs <= w.seconds * 1000 : m.startMs >= durationMs - w.seconds * 1000,
        )
      : mine;
    const ok = inWindow.length > 0;
    const where = w ? `${w.from === 'start' ? 'first' : 'last'} ${w.seconds} s` : '';
    return {
      ...common,
      passed: ok,
      reason: ok ? null : mine.length > 0 ? `said, but not within the ${where}` : 'not said',
      evidence: (ok ? inWindow : mine).slice(0, 3).map(toEvidence),
    };
  });
  for (const r of results) {
    const rule = script.rules.find((x) => x.id === r.id)!;
    if (rule.type !== 'order') continue;
    const a = firstOf.get(rule.first);
    const b = firstOf.get(rule.then);
    if (!b) {
      r.passed = !rule.requireBoth;
      r.reason = r.passed ? null : `"${rule.then}" never happened`;
    } else if (!a) {
      r.passed = false;
      r.reason = `"${rule.then}" happened without "${rule.first}"`;
    } else {
      r.passed = a.startMs < b.startMs;
      r.reason = r.passed ? null : `"${rule.then}" came before "${rule.first}"`;
    }
    r.evidence = [a, b].filter((x): x is PhraseMatch => x !== undefined).map(toEvidence);
  }
  const total = results.reduce((s, r) => s + r.weight, 0);
  const got = results.reduce((s, r) => s + (r.passed ? r.weight : 0), 0);
  const score = total === 0 ? 100 : Math.round((got / total) * 1000) / 10;
  const criticalFailed = results.some((r) => r.critical && !r.passed);
  return {
    scriptId: script.id,
    scriptVersion: script.version,
    score,
    passed: score >= script.passScore && !criticalFailed,
    rules: results,
  };
}
