import type { PhraseSpec } from '../matching/phrase.matcher.ts';
import type { PhraseList } from '../matching/phrase.registry.ts';
import type { Language } from '../matching/transcript.types.ts';

/**
 * Phrases of forbidden collection practices (said by the agent) and of call situations (said by whoever answered):
 * threats of jail or police, insults, threats to expose the debt to family/employer/neighbours, third parties
 * answering, answering machines. Lawful statements ("el caso puede pasar a cobro jurídico", "it may be referred to
 * an attorney") are deliberately absent.
 */

export const THREAT_PHRASES: Record<Language, string[]> = {
  es: [
    '(lo|la|los|las) (vamos a|van a|voy a) (meter|mandar|llevar|echar) (preso|presa|presos|a la carcel|a prision|a la policia|al calabozo)',
    '(va|van|vas) a (ir|terminar|parar) (a la carcel|preso|presa|a prision|al calabozo|tras las rejas)',
    '(le|les|te) va a (llegar|caer) la policia',
    '(vamos a|van a|voy a) (denunciarlo|denunciarla|denunciar) (penalmente|a la fiscalia|ante la fiscalia|por estafa)',
    'orden de (captura|arresto|aprehension)',
    '(lo|la) (van a|vamos a) (arrestar|capturar|detener|encarcelar)',
    '(le|les) (vamos a|van a) (quitar|sacar) (a sus hijos|la casa|todo)',
  ],
  en: [
    '(we will|we are going to|they will|they are going to|gonna|we could) (have you arrested|arrest you|put you in jail|send you to jail|send the police|call the police on you)',
    '(police|sheriff|cops|officers) (will|are going to|is going to) (show up|come|knock|be at|arrest)',
    '(go|going|end up|be sent) to (jail|prison)',
    '(warrant for your arrest|criminal charges|press charges|arrest warrant)',
    '(take|taking) (your kids|your children|your house) away',
  ],
};

export const INSULT_PHRASES: Record<Language, string[]> = {
  es: [
    '(sinverguenza|descarado|descarada|ladron|ladrona|estafador|estafadora|mentiroso|mentirosa|estupido|estupida|idiota|imbecil|pobreton|tramposo|tramposa|payaso|payasa|bruto|bruta|mantenido|mantenida|maldito|maldita)',
    'muerto de hambre',
    'usted es un (vago|vaga|rata|inutil|cualquiera)',
    'no sirve para nada',
  ],
  en: [
    '(deadbeat|liar|loser|stupid|idiot|moron|thief|scammer|scumbag|worthless|pathetic|dumbass|freeloader)',
    '(lazy bum|piece of trash|you people never pay)',
  ],
};

export const EXPOSURE_PHRASES: Record<Language, string[]> = {
  es: [
    '(vamos a|voy a|le vamos a|van a|le voy a) (llamar|contar|decir|avisar|informar|publicar|comentar) * (jefe|empresa|trabajo|familia|familiares|vecinos|esposa|esposo|hijos|redes sociales|facebook|empleador|referencias)',
    '(publicar|divulgar|exhibir) (su|la) deuda',
    '(todo el mundo|todos sus vecinos|su familia) (va a saber|se va a enterar|van a saber)',
  ],
  en: [
    '(we will|we are going to|i will|going to|we will have to) (call|tell|contact|inform|notify|let) * (boss|employer|work|family|neighbors|neighbours|wife|husband|kids|facebook|social media|references)',
    '(post|put|publish) (it|your debt|your name) (on|online|everywhere)',
    '(everyone|all your neighbors|your family) (will know|is going to know|will find out)',
  ],
};

export const SITUATION_PHRASES: Record<Language, PhraseSpec[]> = {
  es: [
    {
      id: 'third_party',
      patterns: [
        '(el|ella|la persona|el senor|la senora|don|dona) no (esta|se encuentra|vive aqui|vive aca|ha llegado|puede pasar)',
        'no se encuentra',
        'no esta (en casa|aqui|aca|disponible|ahorita|en este momento)',
        '(ya no vive|ya no trabaja) (aqui|aca|en esta casa)',
        '(soy|habla|le habla|es) (la|el|su) (esposa|esposo|mama|papa|hija|hijo|hermana|hermano|mujer|marido|novia|novio|empleada|vecina|vecino|suegra|suegro|cunada|tia|tio|prima|primo|abuela|abuelo|companera|companero)',
        '(se equivoco de numero|numero equivocado|aqui no vive|no conozco a esa persona|no lo conozco|no la conozco|esa persona no)',
        '(yo|usted) no soy (el|la|yo)',
        'yo no soy (el|la) (titular|persona|senor|senora)',
        'no vive aqui',
      ],
      rejectNegated: false,
    },
    {
      id: 'voicemail',
      patterns: [
        '(deje|deja|dejar|grabe|graba) (su|tu|un) mensaje',
        '(despues|luego) (del|de escuchar el|de oir el) (tono|pitido|beep)',
        'al (escuchar|oir) el tono',
        '(buzon de voz|buzon de mensajes|correo de voz|contestador)',
        'el numero (que usted marco|marcado|que usted ha marcado) (no|esta)',
        'fuera del area de servicio',
        'su llamada (sera|va a ser) (transferida|desviada) al buzon',
      ],
      rejectNegated: false,
    },
  ],
  en: [
    {
      id: 'third_party',
      patterns: [
        '(he|she|they) (is|are) not (here|home|available|in|around)',
        '(he|she) (is|s) (at work|out|away|not here)',
        '(not here|not home|not in) right now',
        'this is (his|her|their) (wife|husband|mother|father|mom|dad|son|daughter|sister|brother|roommate|girlfriend|boyfriend|neighbor)',
        'i am (his|her|their) (wife|husband|mother|father|mom|dad|son|daughter|sister|brother|roommate)',
        '(wrong number|no one by that name|nobody by that name|does not live here|do not live here|no longer lives here|never heard of)',
        '(do not know|never heard of) (him|her|them|that person|who that is)',
        'i am not (him|her|mister|mrs|ms|miss|the person)',
        'you have the wrong (number|person)',
      ],
      rejectNegated: false,
    },
    {
      id: 'voicemail',
      patterns: [
        '(leave|record) (a|your) message',
        'after the (tone|beep)',
        '(voicemail|voice mail|mailbox|answering machine)',
        '(can not|cannot|unable to) take your call right now',
        '(the number you have dialed|the number you dialed|the person you are (trying to reach|calling))',
        'at the tone please',
      ],
      rejectNegated: false,
    },
  ],
};

export const DEBT_WORDS: Record<Language, string[]> = {
  es: [
    '(deuda|deudas|saldo|mora|obligacion|adeudo|cobranza|morosidad|vencida|vencido|atrasado|atrasada|pendiente de pago|cuotas vencidas|debe|adeuda)',
  ],
  en: ['(debt|balance|past due|overdue|owes|owe|delinquent|collection|outstanding|unpaid|arrears)'],
};

/** Forbidden practices, debt talk and call situations as one phrase list. */
export const FORBIDDEN_PHRASE_LIST: PhraseList = {
  namespace: 'forbidden',
  minScore: 0.8,
  specs: (language) => [
    // what the agent must not say, and the agent's debt talk (after a third party answered)
    { id: 'threat', patterns: THREAT_PHRASES[language], parties: ['agent'] },
    {
      id: 'insult',
      patterns: INSULT_PHRASES[language],
      rejectNegated: false,
      minScore: 0.86,
      parties: ['agent'],
    },
    { id: 'exposure_threat', patterns: EXPOSURE_PHRASES[language], parties: ['agent'] },
    { id: 'debt', patterns: DEBT_WORDS[language], minScore: 0.86, parties: ['agent'] },
    // who answered: a third party speaks on the customer's side, a voicemail greeting on any side but the agent's
    ...SITUATION_PHRASES[language].map((spec) => ({
      ...spec,
      parties: spec.id === 'third_party' ? (['customer'] as const) : (['customer', 'unknown'] as const),
    })),
  ],
};
