import { francAll } from 'franc-min';

export type LanguageMethod = 'metadata' | 'upload' | 'whisper' | 'text';

export interface LanguageGuess {
  /** ISO 639-1. */
  language: string;
  /** 0–1. */
  confidence: number;
  lowConfidence: boolean;
  method: LanguageMethod;
}

/** ISO 639-1 ↔ 639-3 for the languages franc-min knows that contact centres ask for most. */
export const ISO_639_1_TO_3: Readonly<Record<string, string>> = {
  es: 'spa',
  en: 'eng',
  pt: 'por',
  fr: 'fra',
  de: 'deu',
  it: 'ita',
  nl: 'nld',
  pl: 'pol',
  ro: 'ron',
  ru: 'rus',
  uk: 'ukr',
  tr: 'tur',
  ar: 'arb',
  zh: 'cmn',
  ja: 'jpn',
  ko: 'kor',
  hi: 'hin',
};

export const ISO_639_3_TO_1: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(ISO_639_1_TO_3).map(([a, b]) => [b, a]),
);

// Function words and call-centre staples: they decide short utterances, where letter trigrams alone often fail.
const FUNCTION_WORDS: Readonly<Record<string, ReadonlySet<string>>> = {
  es: new Set(
    (
      'de la que el en y a los se del las un por con no una su para es al lo como más mas o pero sus le ya este sí si ' +
      'porque esta está entre cuando muy sin sobre también me hasta hay donde quien desde todo nos todos uno les ni ' +
      'ese eso esto yo otro él ella mi mis tú tu te usted ustedes señor señora hola gracias buenos buenas días dias ' +
      'tardes noches favor estoy son soy tiene tengo puede puedo llamada siendo grabada pago deuda hoy mañana claro ' +
      'bueno vale cuenta nombre su fecha dinero'
    ).split(' '),
  ),
  en: new Set(
    (
      'the of and to a in is it you that he was for on are with as i his they be at one have this from or had by but ' +
      'not what all were we when your can said there an each which she do how their if will up about out then them ' +
      'these so some her would like him into has more no could my than been call who its now did get may yes hello ' +
      'please thank thanks sir madam being recorded payment today tomorrow okay account name date money balance'
    ).split(' '),
  ),
};

export interface TextLanguageIdOptions {
  /** ISO 639-1 codes to choose from (ESCUCHA_LANGUAGES). */
  languages: readonly string[];
  /** Below this confidence a guess is flagged low-confidence. */
  lowConfidenceBelow?: number;
}

/**
 * Text language identification restricted to the configured languages: franc-min letter-trigram scores, combined
 * with function-word counts where Escucha has them (es, en), as a probability over the configured languages.
 */
export class TextLanguageIdentifier {
  private readonly languages: string[];
  private readonly threshold: number;

  constructor(options: TextLanguageIdOptions) {
    this.languages = [...new Set(options.languages)];
    this.threshold = options.lowConfidenceBelow ?? 0.65;
  }

  identify(text: string): LanguageGuess {
    const candidates = this.languages.filter((l) => ISO_639_1_TO_3[l] || FUNCTION_WORDS[l]);
    const fallback = this.languages[0] ?? 'es';
    if (candidates.length === 0)
      return { language: fallback, confidence: 0, lowConfidence: true, method: 'text' };
    if (candidates.length === 1) {
      return { language: candidates[0]!, confidence: 1, lowConfidence: false, method: 'text' };
    }
    const trigram = new Map<string, number>();
    const only = candidates.map((l) => ISO_639_1_TO_3[l]).filter((c): c is string => Boolean(c));
    for (const [code, score] of francAll(text, { only, minLength: 1 })) {
      const l = ISO_639_3_TO_1[code];
      if (l) trigram.set(l, score);
    }
    const trigramSum = candidates.reduce((s, l) => s + (trigram.get(l) ?? 0), 0);
    const words = text.toLowerCase().match(/\p{L}+/gu) ?? [];
    const withLists = candidates.every((l) => FUNCTION_WORDS[l]);
    const hits = new Map(candidates.map((l) => [l, words.filter((w) => FUNCTION_WORDS[l]?.has(w)).length]));
    const hitSum = [...hits.values()].reduce((a, b) => a + b, 0);

    const scores = candidates.map((l) => {
      const q = trigramSum > 0 ? (trigram.get(l) ?? 0) / trigramSum : 1 / candidates.length;
      if (!withLists || hitSum === 0) return { l, p: q };
      const p = (hits.get(l)! + 0.5) / (hitSum + 0.5 * candidates.length);
      return { l, p: (p + q) / 2 };
    });
    scores.sort((a, b) => b.p - a.p);
    const best = scores[0]!;
    const undecided = trigramSum === 0 && hitSum === 0;
    const confidence = undecided ? 0 : Math.round(best.p * 1000) / 1000;
    return {
      language: undecided ? fallback : best.l,
      confidence,
      lowConfidence: confidence < this.threshold,
      method: 'text',
    };
  }
}

export interface ChannelDetection {
  /** Probability of each configured language. */
  probabilities: Record<string, number>;
  noSpeechProbability: number;
  speechSeconds: number;
}

/**
 * The call's language from the spoken-language identification of its channels: their probabilities averaged, each
 * channel weighted by how much speech it had and how sure the model was that it heard speech at all.
 */
export function combineDetections(
  channels: readonly ChannelDetection[],
  languages: readonly string[],
  lowConfidenceBelow = 0.65,
): LanguageGuess | null {
  const weights = channels.map((c) => c.speechSeconds * (1 - c.noSpeechProbability));
  const total = weights.reduce((a, b) => a + b, 0);
  const used = total > 0 ? weights : channels.map(() => 1);
  const sum = used.reduce((a, b) => a + b, 0);
  if (channels.length === 0 || sum === 0) return null;
  let best: { language: string; p: number } | null = null;
  for (const language of languages) {
    const p = channels.reduce((acc, c, i) => acc + (c.probabilities[language] ?? 0) * used[i]!, 0) / sum;
    if (!best || p > best.p) best = { language, p };
  }
  if (!best) return null;
  const confidence = Math.round(best.p * 1000) / 1000;
  return {
    language: best.language,
    confidence,
    lowConfidence: confidence < lowConfidenceBelow,
    method: 'whisper',
  };
}
