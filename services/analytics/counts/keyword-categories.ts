import type { PhraseSpec } from '../matching/phrase.matcher.ts';
import type { PhraseList } from '../matching/phrase.registry.ts';
import type { Language } from '../matching/transcript.types.ts';

/**
 * Keyword categories counted per party (configurable: a deployment may pass its own list). Phrases use the
 * matcher's pattern syntax; matching is accent-, case- and noise-tolerant.
 */

export interface KeywordCategory {
  id: string;
  label: string;
  phrases: Partial<Record<Language, string[]>>;
}

export const DEFAULT_KEYWORD_CATEGORIES: readonly KeywordCategory[] = [
  {
    id: 'lawyer',
    label: 'Lawyer / abogado',
    phrases: {
      es: ['(abogado|abogada|abogados|apoderado|apoderada)', 'asesor (legal|juridico)'],
      en: ['(lawyer|attorney|attorneys|lawyers)', 'legal (counsel|aid|advice)'],
    },
  },
  {
    id: 'lawsuit',
    label: 'Lawsuit / demanda',
    phrases: {
      es: [
        '(demanda|demandar|demandado|demandada|demandarlo|demandarla|juzgado|juez|tutela)',
        '(proceso|cobro) (judicial|juridico)',
      ],
      en: ['(lawsuit|sue|suing|sued|court|judgment|judgement)', 'legal action'],
    },
  },
  {
    id: 'seizure',
    label: 'Seizure / embargo',
    phrases: {
      es: ['(embargo|embargar|embargaron|embargado|embargos|embargarme)', 'secuestro de bienes'],
      en: [
        '(garnish|garnishment|garnished|seize|seizure|repossess|repossession|levy|lien)',
        'wage garnishment',
      ],
    },
  },
  {
    id: 'complaint',
    label: 'Complaint / queja',
    phrases: {
      es: [
        '(queja|quejas|reclamo|reclamacion|superintendencia|superfinanciera|profeco|condusef|denuncia|denunciar)',
        'defensor del consumidor [financiero]',
        'industria y comercio',
      ],
      en: [
        '(complaint|complain|cfpb|bbb|ombudsman)',
        'attorney general',
        'better business bureau',
        'report you',
      ],
    },
  },
  {
    id: 'payment_plan',
    label: 'Payment plan / acuerdo de pago',
    phrases: {
      es: [
        '(acuerdo|convenio|plan) de (pago|pagos)',
        '(refinanciar|refinanciacion|reestructurar|reestructuracion|condonacion|diferir)',
        'pagar (en|por) cuotas',
      ],
      en: [
        'payment (plan|arrangement|agreement)',
        '(installments|settlement|restructure|refinance)',
        'settle (the|this|my) (debt|account|balance)',
      ],
    },
  },
  {
    id: 'hardship',
    label: 'Hardship / dificultad',
    phrases: {
      es: [
        '(desempleado|desempleada|incapacidad|enfermedad|hospitalizado)',
        '(sin|no tengo) (trabajo|empleo)',
        'me (echaron|despidieron)',
      ],
      en: ['(unemployed|hardship|laid off|medical bills|hospital)', 'lost my job'],
    },
  },
  {
    id: 'dispute',
    label: 'Dispute / no reconoce',
    phrases: {
      es: [
        'no (reconozco|debo) [esa deuda|eso|nada]',
        '(fraude|suplantacion|estafa)',
        'no es mia [esa deuda]',
      ],
      en: ['(not my debt|do not owe|never opened|identity theft|fraud|dispute|disputing)'],
    },
  },
  {
    id: 'cease_contact',
    label: 'Stop calling / no llamar',
    phrases: {
      es: ['(dejen|deje) de (llamar|llamarme|molestar)', 'no [me] (llamen|vuelvan a llamar|llame) mas'],
      en: ['stop calling [me]', 'do not call [me] [again|anymore]', 'cease and desist'],
    },
  },
  {
    id: 'bankruptcy',
    label: 'Bankruptcy / insolvencia',
    phrases: {
      es: ['(quiebra|insolvencia|bancarrota)'],
      en: ['(bankruptcy|bankrupt)', 'chapter (seven|thirteen|7|13)'],
    },
  },
];

/** Minimum match score of a category's phrases. */
export const CATEGORY_MIN_SCORE = 0.86;

/** A category list's phrases in one language: one phrase per category that has phrases in it. */
export function categorySpecs(categories: readonly KeywordCategory[], language: Language): PhraseSpec[] {
  return categories
    .filter((c) => (c.phrases[language] ?? []).length > 0)
    .map((c) => ({
      id: c.id,
      patterns: c.phrases[language]!,
      rejectNegated: c.id !== 'lawsuit' && c.id !== 'seizure',
    }));
}

/** The default categories as one phrase list, found again by the categories array itself. */
export const CATEGORY_PHRASE_LIST: PhraseList = {
  namespace: 'counts',
  minScore: CATEGORY_MIN_SCORE,
  specs: (language) => categorySpecs(DEFAULT_KEYWORD_CATEGORIES, language),
  owner: DEFAULT_KEYWORD_CATEGORIES,
};
