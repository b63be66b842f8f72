import type { Lang } from './types.ts';

/**
 * Stop-words in folded form (no accents). Negations ("no", "nunca", "ni", "not", "never", "nothing") are left OUT on
 * purpose: in call analytics they carry the meaning ("no puedo pagar"), so detectors must keep them.
 */

const ES = `
a al algo algun alguna algunas alguno algunos alla alli ante antes aquel aquella aquellas aquellos aqui asi aun
cada como con contra cual cuales cualquier cuando de del desde donde dos el ella ellas ello ellos en entre era
eramos eran eras eres es esa esas ese eso esos esta estaba estaban estado estais estamos estan estar estas este
esto estos estoy fue fueron fui ha habia habian han has hasta hay he hemos la las le les lo los me mi mis mas mucho
muchos muy nos nosotras nosotros nuestra nuestras nuestro nuestros o os otra otras otro otros para pero poco por
porque que quien quienes se sea ser si sido sobre sois somos son soy su sus suya suyas suyo suyos tambien
tanto te tenemos tener tengo ti tiene tienen toda todas todo todos tu tus un una unas uno unos usted ustedes vosotros
vuestra vuestro y ya eh este pues entonces digamos osea aja
`;

const EN = `
a about above after again against all am an and any are as at be because been before being below between both by
could did do does doing down during each few for from further had has have having he her here hers herself him
himself his how i if in into is it its itself just me more most my myself of off on once only or other our ours
ourselves out over own same she should so some such than that the their theirs them themselves then there these
they this those through to too under until up very was we were what when where which while who whom why will with
would you your yours yourself yourselves um uh like yeah oh okay ok well
`;

export const STOP_WORDS: Record<Lang, ReadonlySet<string>> = {
  es: new Set(ES.split(/\s+/).filter(Boolean)),
  en: new Set(EN.split(/\s+/).filter(Boolean)),
};

/** Whether a folded word is a stop-word of `lang`. */
export function isStopWord(norm: string, lang: Lang): boolean {
  return STOP_WORDS[lang].has(norm);
}
