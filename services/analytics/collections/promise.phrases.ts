import type { PhraseSpec } from '../matching/phrase.matcher.ts';
import type { PhraseList } from '../matching/phrase.registry.ts';
import type { Language } from '../matching/transcript.types.ts';

/**
 * Phrases of the promise-to-pay detector (phrase.pattern.ts syntax). `commit` is a customer saying they will pay;
 * `accept` a customer agreeing to the agent's proposal; the rest are what turns a sentence into a non-promise:
 * hedges, conditions, refusals, payments already made, and someone else paying.
 */

export const PROMISE_PHRASES: Record<Language, PhraseSpec[]> = {
  es: [
    {
      id: 'commit',
      patterns: [
        '(le|les|te|se lo|se la|se los|se las) (pago|pagaria|consigno|abono|deposito|transfiero|mando|envio|doy|cancelo|liquido|giro|consignaria|abonaria)',
        '(carguelo|carguela|cargue|cobrelo|cobrela|descuentelo|debitelo|carguemelo|cobremelo)',
        'paso * a (pagar|abonar|consignar|depositar)',
        '(le|te) quiero (dar|pagar|abonar|depositar|consignar)',
        'quiero que me lo (saquen|cobren|carguen|descuenten)',
        '(apunteme|anoteme|apuntame|anotame|pongame|ponme) (para|por|el|los)',
        '(voy|vamos) a (pagar|consignar|abonar|depositar|transferir|cancelar|liquidar|girar|mandar)',
        '(le|se lo|se los) (hago|haria) (el pago|una transferencia|el abono|la consignacion|el deposito|el giro)',
        '(le|se lo|se los) (voy|vamos) a (hacer|dar|mandar|pagar|consignar|abonar|depositar)',
        '(puedo|podria|podemos) (pagar|dar|abonar|consignar|depositar|transferir)',
        '[yo] (pago|consigno|abono|deposito|liquido) (todo|el total|la cuota|sin falta|el saldo)',
        'le cumplo',
        'cuente con (eso|ese pago|el pago)',
        'me comprometo a (pagar|abonar|consignar)',
        'sin falta le (pago|consigno|abono|deposito)',
        '(le|te) (ingreso|hago un ingreso|hago un bizum|mando un bizum)',
        '(le|te) hago (una transferencia|la transferencia|el ingreso)',
      ],
    },
    { id: 'bare_pay', patterns: ['(pago|consigno|abono|deposito)'] },
    {
      id: 'accept',
      patterns: [
        '(si|listo|dale|perfecto|claro|okey|ok|hecho|correcto|andale|sale|va)',
        '(de acuerdo|esta bien|asi quedamos|quedamos asi|me parece bien|asi es|con gusto)',
      ],
    },
    {
      id: 'hedge',
      patterns: [
        '(voy|vamos) a ver si',
        'a ver si (puedo|alcanzo|consigo)',
        '(quizas|quiza|tal vez|a lo mejor|de pronto|puede que)',
        'no [le] (prometo|aseguro|garantizo) [nada]',
        '(voy|vamos) a (tratar|intentar|procurar)',
        '(trato|intento|tratar|intentar) de (pagar|abonar|conseguir)',
        'quien sabe',
        '(creo|pienso) que',
        'no se [la verdad]',
        'deje[me] (pensarlo|organizarme|ver|revisar|hablar)',
        '[yo] (lo|le) (llamo|aviso|devuelvo la llamada)',
        'necesito hablar [primero] con',
        '(llameme|llamame|marqueme|llamenme) (la|el|mas|mañana|manana|luego|despues|otro)',
        'no le (aseguro|prometo|garantizo)',
        '(yo|ya) (veo|veremos)',
        'veremos',
        'como (pueda|podamos|vaya pudiendo)',
        'lo mas seguro es que',
        '(probablemente|seguramente)',
        'deje[me] (platicarlo|consultarlo|comentarlo|preguntarle|consultarle)',
        'no le quiero decir que si',
        'sin (preguntarle|consultarle|consultarlo|hablarlo)',
      ],
      rejectNegated: false,
    },
    {
      id: 'condition',
      patterns: [
        'si (me|le|nos) (pagan|llega|llegan|sale|dan|prestan|consignan|resulta)',
        'si (consigo|tengo|puedo|recibo|alcanzo)',
        'si mi (hijo|hija|esposo|esposa|mama|papa|hermano|hermana|jefe|familia|marido|mujer)',
        'si (me|nos) (sale|resulta|aprueban|devuelven)',
        '(en cuanto|apenas|tan pronto) (me|tenga|pueda|consiga|cobre)',
        'cuando (tenga|me llegue|me paguen|me den|consiga|pueda|me salga)',
        '(siempre y cuando|dependiendo de|depende de)',
        'si es que',
        '(en caso de que|a menos que|siempre que|nomas que|con tal de que)',
      ],
      rejectNegated: false,
    },
    {
      id: 'refuse',
      patterns: [
        'no (puedo|podemos|podre|tengo|tenemos|voy a poder|me alcanza|cuento con|pienso pagar|voy a pagar)',
        'no [le] [voy a] (pagar|pago)',
        '(imposible|tampoco)',
        'no tengo (como|con que|plata|dinero|trabajo)',
        '(ahorita|ahora|hoy) no (puedo|tengo)',
        'no estoy de acuerdo',
        'no [me] (puedo|quiero) comprometer',
        '(sin|no tengo) (empleo|trabajo)',
        'no me queda (un peso|nada|plata|dinero)',
        'ni un peso',
      ],
      rejectNegated: false,
    },
    {
      id: 'past',
      patterns: [
        'ya [le] (pague|pago|deposite|consigne|abone|mande|transferi|hice el pago|cancele|liquide)',
        'ya (lo|la|se lo|se la) (pague|deposite|consigne|abone|cancele|transferi)',
        '(lo|la|eso) (pague|pago mi|deposite) ',
        '[ya] pague (el|la|en|ayer|antier|por)',
        'le deposite ayer',
        'ya (esta|quedo) (pago|pagado|cancelado|saldado)',
        '(quedo|esta) (saldado|saldada)',
        'tengo el (recibo|comprobante|ticket|voucher|boucher|soporte|pantallazo)',
        '[ya] [si] lo hice',
        'ya hice (el pago|la transferencia|la consignacion|el deposito)',
      ],
      rejectNegated: false,
    },
    {
      id: 'other_payer',
      patterns: [
        'mi (mama|papa|esposo|esposa|hijo|hija|hermano|hermana|marido|mujer) [le] (va a pagar|paga|es el que paga|es la que paga|se encarga)',
        '(el|la) que paga es',
        '(hablele|llamele|llame) a (mi|el|ella)',
        '(el|ella) se encarga',
        // a promise made to someone else, told ("le prometí al ejecutivo que el viernes le pago la tarjeta")
        '(le|les) (prometi|dije|asegure) (al|a la|a mi|a los|a las)',
        '(a el|a ella|a ellos|a ellas) (le|les) (prometi|dije|asegure)',
        // what the customer owes someone else ("el casero… a él le tengo que pagar el día uno los 650 del alquiler")
        '(a el|a ella|a ellos|a ellas) (le|les) tengo que (pagar|dar)',
      ],
      rejectNegated: false,
    },
    {
      id: 'proposal',
      patterns: [
        '(queda|quedaria|dejamos) [el] compromiso [de pago]',
        'entonces (el|la|los|queda|quedamos)',
        'le parece [bien] (un abono|el pago|si)',
        '(puede|podria|pueden) (pagar|abonar|consignar|hacer el pago|realizar el pago)',
        '[me] (confirma|confirmamos) (el valor|la fecha|el pago|el abono)',
        '(cuanto|cuando) (puede|podria) (pagar|abonar|consignar|realizar el pago)',
        '(podemos|puedo) dejar el pago',
        '(que|cual) fecha',
        '(el|un) (abono|pago) (de|por|para)',
        '(abona|paga|consigna|deposita)',
        '(le queda bien|le viene bien|le sirve|que tal si|le propongo)',
      ],
    },
    {
      id: 'ask',
      patterns: [
        '(cuanto|cuando) (puede|podria|va a) (pagar|abonar|dar|consignar|depositar|hacer el pago)',
        'para cuando (puede|podria) (hacer|realizar) el pago',
        '(con cuanto|que dia|que fecha|para cuando)',
        '[me] (confirma|confirmar|puede confirmar) (el valor|la fecha|el monto)',
        'cuanto podria pagar',
      ],
    },
    {
      id: 'retract',
      patterns: [
        'mejor no',
        'pensandolo bien',
        'olvidelo',
        'no le [puedo] (asegurar|prometer|garantizar)',
        '[mejor] no me (comprometo|quiero comprometer)',
        'no quedemos en nada',
        'dejelo asi',
        'no cuente con (eso|ese pago|el pago)',
        'me retracto',
        '(no he dicho|no dije|yo no dije) que si',
        'solo estaba repitiendo',
        '(quitelo|quiteme eso|borrelo|cancelelo)',
        'no me (anote|apunte) (nada|eso)',
      ],
      rejectNegated: false,
    },
    {
      // the agent, right after: the payment the customer named is not to this creditor
      id: 'not_ours',
      patterns: [
        '(es|son) (con|de) otra entidad',
        'no (quedaria|queda) ningun compromiso',
        '(es|va) aparte',
        'no (es|son) con nosotros',
        '(es|son) otra (deuda|obligacion|cuenta)',
      ],
      rejectNegated: false,
    },
  ],
  en: [
    {
      id: 'commit',
      patterns: [
        'i (will|am going to|am gonna|can|could|shall) (pay|send|make a payment|make the payment|transfer|deposit|wire|mail|put|do)',
        'i will (have|get) (it|the payment|the money) [to you]',
        'i promise',
        '(we will|we can) (pay|send|make a payment)',
        'i will [be able to] (pay|send)',
        'you will (have|get) (it|the payment|your money)',
        'count on (it|that)',
        'all (pay|send|make a payment)',
        'i will call [in] and (pay|make a payment)',
        '(charge|run|put) it (on|to) (my|the) card',
        '(put|sign) me down for',
        '(set|schedule) it (up|for)',
        'i (want|would like) to pay',
        'take it (out|from) (of) my account',
      ],
    },
    { id: 'bare_pay', patterns: ['(pay|send|transfer|wire)'] },
    {
      id: 'accept',
      patterns: [
        '(yes|yeah|yep|yup|sure|okay|ok|alright|correct|deal|fine|absolutely|definitely)',
        '(that works|sounds good|let us do that|that is correct|that is right|i can do that|that is fine|that will work|we can do that)',
      ],
    },
    {
      id: 'hedge',
      patterns: [
        'i will try',
        '(try|trying) to (pay|send|make)',
        '(maybe|might|perhaps|possibly|hopefully|probably)',
        '(not sure|do not know|no idea|i guess)',
        '(we will|i will|let me) see',
        'let me (think|check|talk|see|ask)',
        '(talk|speak|check) (to|with) (my|the)',
        'call me (back|later)',
        'after the holidays',
        'not agreeing',
        'i will have to (look|think|check|see)',
      ],
      rejectNegated: false,
    },
    {
      id: 'condition',
      patterns: [
        'if (i|my|we|they|the|it|that|this|she|he|our|his|her)',
        '(when|once|as soon as) i (get|have|receive)',
        'as soon as (my|the|i)',
        '(depends on|depending on)',
        '(assuming|provided|as long as|unless)',
      ],
      rejectNegated: false,
    },
    {
      id: 'refuse',
      patterns: [
        '(can not|cannot|will not|could not) (pay|afford|do|make)',
        'not (paying|going to pay|pay)',
        '(do not|dont) (have|owe)',
        '(no money|stop calling|refuse|no way)',
        'not going to work',
        'i can not',
        'can not afford',
      ],
      rejectNegated: false,
    },
    {
      id: 'past',
      patterns: [
        'already (paid|sent|made)',
        'i (paid|sent|mailed|made a payment) [it|a|the|that|you|yesterday|last|on]',
        '(sent|mailed) (a|the) (check|payment)',
        'paid (it|that) (yesterday|last week|already)',
        '(was|been) paid (off|already|in full)',
        'paid (it|that) off',
      ],
      rejectNegated: false,
    },
    {
      id: 'other_payer',
      patterns: [
        'my (wife|husband|son|daughter|mother|father|mom|dad|brother|sister) (will pay|pays|handles|takes care)',
        '(talk|speak) to my (wife|husband|mother|father)',
        'i (told|promised) (him|her|them|my|the)',
      ],
      rejectNegated: false,
    },
    {
      id: 'proposal',
      patterns: [
        '(can|could|would) you (make|pay|be able to pay|do|send)',
        'so (we have|that is|that will be|you will)',
        '(we have you down|set up a payment|schedule a payment|payment arrangement|promise to pay)',
        '(can|could) we (set up|schedule|do)',
        'a payment of',
        '(how about|would you be able to|can you do|could you do)',
      ],
    },
    {
      id: 'ask',
      patterns: [
        '(how much|when) (can|could|will) you (pay|send|make|do)',
        'what (amount|date|day)',
        'what could you (pay|do|send)',
        '(and|for) how much',
        'how much (would|do) you (like|want) to (pay|put|send)',
      ],
    },
    {
      id: 'retract',
      patterns: [
        'scratch that',
        'on second thought',
        'forget (it|that)',
        '(do not|dont) put me down',
        '(can not|cannot) promise',
        '(should not|shouldnt) commit',
        'actually (wait|no)',
        'take (it|that) back',
        'never mind',
        '(i did not|i didnt) (say|agree)',
        'i was (just|only) repeating',
        'take (that|it) off',
        'no arrangement [for now]',
        '(do not|dont) want to commit',
      ],
      rejectNegated: false,
    },
    {
      // the agent, right after: the payment the customer named is not to this creditor
      id: 'not_ours',
      patterns: [
        '(is|that is|thats) separate',
        '(can not|cant) take that payment',
        '(is|that is|thats) not (with us|ours)',
        'different (creditor|company|account|lender)',
      ],
      rejectNegated: false,
    },
  ],
};

/** The agent's phrases (a proposal, asking the customer to accept, a payment that is another creditor's). */
export const AGENT_PHRASES: ReadonlySet<string> = new Set(['proposal', 'ask', 'not_ours']);

/** The agent's phrases are looked for in the agent's words only, the others in everyone else's. */
export const PROMISE_PHRASE_LIST: PhraseList = {
  namespace: 'promise',
  minScore: 0.8,
  specs: (language) =>
    PROMISE_PHRASES[language].map((spec) => ({
      ...spec,
      parties: AGENT_PHRASES.has(spec.id) ? ['agent'] : ['customer', 'unknown'],
    })),
};
