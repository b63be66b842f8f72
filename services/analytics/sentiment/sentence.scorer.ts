import { normalize } from '../text/normalize.ts';
import { splitWords } from '../text/sentences.ts';
import type { Lang, NormalizedToken } from '../text/types.ts';
import { wordSet } from '../text/words.ts';
import type { CompiledLexicon, PhrasePayload, WordInfo } from './lexicon.ts';
import type { ModifierRole, ModifierSet } from './modifiers.ts';
import { matchSentencePhrase, type CompiledPhrase } from '../matching/phrase.matcher.ts';
import type { SentimentEvidence } from './types.ts';

/**
 * Scores one utterance: splits it into sentences, then walks each sentence's words once, matching collections
 * phrases first (longest wins), then lexicon words, and applies
 *   - negation within NEGATION_SCOPE words ("no estoy contento", "not bad", Spanish negative concord "no … nada"
 *     flips once), cut by a comma or a contrast word; negated positives turn clearly negative, negated negatives
 *     only mildly positive ("no está mal");
 *   - intensifiers and diminishers on the next polar word ("muy molesto", "a bit upset"), and post-intensifiers
 *     on the previous one ("le agradezco mucho", "thank you so much");
 *   - contrast: before "pero" / "but" counts half, after it one and a half (also across sentences when a sentence
 *     opens with it); after "aunque" / "although" counts half;
 *   - questions: lexicon words in a question count less ("¿le parece bien el viernes?"); phrases keep their weight.
 * The utterance score is the sum squashed into (−1, 1) by x / √(x² + ALPHA).
 */

export const SCORING = {
  negationScope: 3,
  negatePositive: -0.8,
  negateNegative: -0.5,
  boostSpan: 2,
  contrastBefore: 0.5,
  contrastAfter: 1.5,
  concessive: 0.5,
  question: 0.2,
  alpha: 6,
} as const;

/** English "like" is a verb of liking only after a subject or an auxiliary ("I like it"), not in "it was like". */
const EN_LIKE_SUBJECTS = wordSet('i we you they would really not do did does also');

export interface UtteranceScore {
  /** Sum of the contributions, before squashing. */
  raw: number;
  /** In (−1, 1). */
  score: number;
  evidence: SentimentEvidence[];
}

export function squash(raw: number): number {
  return raw === 0 ? 0 : raw / Math.sqrt(raw * raw + SCORING.alpha);
}

interface Contribution {
  valence: number;
  from: number;
  to: number;
  kind: 'word' | 'phrase';
  negated: boolean;
}

function isQuestion(
  words: readonly NormalizedToken[],
  infos: readonly WordInfo[],
  m: ModifierSet,
  lang: Lang,
) {
  if (words.some((w) => w.question)) return true;
  const first = infos[0]?.norm;
  if (first === undefined || words.length < 2 || !m.questionOpeners.has(first)) return false;
  return !(lang === 'en' && infos[1]?.norm === 'not');
}

/**
 * Walks the words of one sentence; `opensWithContrast` tells the caller to discount the sentences before. The
 * state lives in fields (not closures) because this runs for every sentence of every call.
 */
class SentenceWalk {
  readonly out: Contribution[] = [];
  private negLeft = 0;
  private boost = 1;
  private boostLeft = 0;
  private concessive = false;
  private contrastAt = -1;
  private lastPolarEnd = -1;

  constructor(private readonly question: boolean) {}

  get opensWithContrast(): boolean {
    return this.contrastAt === 0;
  }

  /** Punctuation inside the sentence closes negation, intensity and concession. */
  clauseBreak(): void {
    this.negLeft = 0;
    this.boostLeft = 0;
    this.boost = 1;
    this.concessive = false;
  }

  emit(raw: number, from: number, to: number, kind: 'word' | 'phrase', ownNegation: boolean): void {
    let valence = raw;
    const negated = this.negLeft > 0 && !ownNegation;
    if (negated) valence *= valence > 0 ? SCORING.negatePositive : SCORING.negateNegative;
    if (this.boostLeft > 0) {
      valence *= this.boost;
      this.boost = 1;
      this.boostLeft = 0;
    }
    if (this.concessive) valence *= SCORING.concessive;
    if (this.question && kind === 'word') valence *= SCORING.question;
    this.out.push({ valence, from, to, kind, negated });
    this.lastPolarEnd = to;
  }

  /** Multiplies the contribution that ends right before word `at`; false when there is none. */
  strengthenPrevious(at: number, factor: number): boolean {
    if (this.lastPolarEnd !== at || this.out.length === 0) return false;
    this.out[this.out.length - 1]!.valence *= factor;
    return true;
  }

  role(role: ModifierRole, factor: number, post: boolean, at: number): void {
    switch (role) {
      case 'negator':
        this.negLeft = SCORING.negationScope;
        break;
      case 'intensifier':
      case 'diminisher':
        if (!(post && this.strengthenPrevious(at, factor))) {
          this.boost *= factor;
          this.boostLeft = SCORING.boostSpan;
        }
        break;
      case 'contrast':
        this.contrastAt = this.out.length;
        this.negLeft = 0;
        this.concessive = false;
        break;
      case 'concessive':
        this.concessive = true;
        this.negLeft = 0;
        break;
    }
  }

  closeNegation(): void {
    this.negLeft = 0;
  }

  advance(count: number): void {
    this.negLeft = Math.max(0, this.negLeft - count);
    this.boostLeft = Math.max(0, this.boostLeft - count);
    if (this.boostLeft === 0) this.boost = 1;
  }

  /** Applies contrast weights once the sentence is done. */
  finish(): void {
    if (this.contrastAt < 0) return;
    for (let k = 0; k < this.out.length; k++) {
      this.out[k]!.valence *= k < this.contrastAt ? SCORING.contrastBefore : SCORING.contrastAfter;
    }
  }
}

function scoreSentence(
  words: readonly NormalizedToken[],
  lexicon: CompiledLexicon,
  m: ModifierSet,
  lang: Lang,
): SentenceWalk {
  const n = words.length;
  const infos: WordInfo[] = new Array<WordInfo>(n);
  for (let k = 0; k < n; k++) infos[k] = lexicon.info(words[k]!.norm);
  const walk = new SentenceWalk(isQuestion(words, infos, m, lang));
  let i = 0;
  while (i < n) {
    const info = infos[i]!;
    if (i > 0 && words[i]!.boundary !== 'none') walk.clauseBreak();
    let best: CompiledPhrase<PhrasePayload> | undefined;
    let bestEnd = -1;
    for (const phrase of info.starts) {
      const end = matchSentencePhrase(phrase, infos, words, i);
      if (end > bestEnd) {
        best = phrase;
        bestEnd = end;
      }
    }
    if (best !== undefined) {
      const payload = best.payload;
      if (payload.kind === 'modifier') walk.role(payload.role, payload.factor, payload.post, i);
      else {
        if (payload.valence !== 0) walk.emit(payload.valence, i, bestEnd, 'phrase', best.hasNegator);
        if (best.hasNegator) walk.closeNegation();
        walk.advance(bestEnd - i);
      }
      i = bestEnd;
      continue;
    }
    if (info.postFactor > 0 && walk.strengthenPrevious(i, info.postFactor)) {
      i++;
      continue;
    }
    if (info.role !== null) {
      walk.role(info.role, info.factor, false, i);
      i++;
      continue;
    }
    let valence = info.valence;
    const opensClause = i === 0 || words[i]!.boundary !== 'none';
    if (valence !== 0 && opensClause && i + 1 < n && m.discourseOpeners.has(info.norm)) valence = 0;
    if (
      valence !== 0 &&
      lang === 'en' &&
      info.norm === 'like' &&
      !EN_LIKE_SUBJECTS.has(infos[i - 1]?.norm ?? '')
    ) {
      valence = 0;
    }
    if (valence !== 0) walk.emit(valence, i, i + 1, 'word', false);
    walk.advance(1);
    i++;
  }
  walk.finish();
  return walk;
}

/** Scores one utterance's text; see the module comment. */
export function scoreUtterance(
  text: string,
  lang: Lang,
  lexicon: CompiledLexicon,
  m: ModifierSet,
): UtteranceScore {
  const normalized = normalize(text, lang);
  const sentences = splitWords(normalized.tokens, lang);
  const evidence: SentimentEvidence[] = [];
  let raw = 0;
  for (let k = 0; k < sentences.length; k++) {
    const words = sentences[k]!;
    const walk = scoreSentence(words, lexicon, m, lang);
    if (walk.opensWithContrast && k > 0) {
      raw *= SCORING.contrastBefore;
      for (const e of evidence) e.valence *= SCORING.contrastBefore;
    }
    for (const c of walk.out) {
      raw += c.valence;
      const start = words[c.from]!.start;
      const end = words[c.to - 1]!.end;
      evidence.push({
        text: text.slice(start, end),
        start,
        end,
        kind: c.kind,
        valence: c.valence,
        negated: c.negated,
      });
    }
  }
  return { raw, score: squash(raw), evidence };
}
