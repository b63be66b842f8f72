import type { Lang } from '../text/types.ts';

/**
 * The collections lexicon: what general-purpose sentiment lexicons get wrong in collection calls.
 *
 * `words` override the base lexicon (valence on the AFINN scale, −5 … +5). A 0 removes a word that is ordinary
 * business here ("deuda", "pagar", "interest", "please") or an acknowledgement ("claro", "sure") from the base
 * lexicon, its stem included, so inflections do not come back through stemming. Keys are folded (no accents).
 *
 * `phrases` are multi-word expressions, matched on the words of one sentence after normalisation (fillers and
 * stutter removed, contractions expanded: write "can not", "i am", "do not") by the sentence scanner of
 * matching/phrase.matcher.ts. Patterns use the one pattern syntax (matching/phrase.pattern.ts):
 *   word          the word, or one that sounds the same (Spanish b/v, s/z/c, ll/y, h) or, past the first word, one
 *                 close to it in edit distance (ASR slips)
 *   pref*         any word starting with "pref"
 *   (a|b|c*)      any of the alternatives (one word each here)
 *   [a|b]         optional (never the first word)
 *   *             skip up to two words
 *   _             exactly one word of any kind
 * A phrase's words are consumed: they do not score again one by one. A phrase with valence 0 neutralises a
 * collocation ("por favor", "buenos días", "saldo a favor", "works best"). A negation before a phrase that has none of
 * its own flips it like a word.
 */

export interface PhraseEntry {
  pattern: string;
  valence: number;
}

export interface CollectionsLexicon {
  words: Readonly<Record<string, number>>;
  phrases: readonly PhraseEntry[];
}

const p = (pattern: string, valence: number): PhraseEntry => ({ pattern, valence });

/** Parses lines "valence: word word …" ("#" starts a comment) into a word → valence map. */
function valences(spec: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const raw of spec.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') continue;
    const colon = line.indexOf(':');
    const valence = Number(line.slice(0, colon));
    if (colon < 0 || !Number.isFinite(valence)) throw new Error(`bad lexicon line: ${line}`);
    for (const word of line
      .slice(colon + 1)
      .trim()
      .split(/\s+/))
      out[word] = valence;
  }
  return out;
}

const ES_WORDS = valences(`
  # Ordinary business of a collection call.
  0: deuda deudas deudor pagar pago pagos pague pagare pagado cobrar cobro cobros cobranza cobranzas saldo cuota
  0: cuotas monto interes intereses credito mora moroso vencido vencida atrasado atrasada atrasadas cuenta banco
  0: plazo cargo cargos comision deposito abono convenio acuerdo compromiso promesa descuento urgente importante
  0: llamada llamar falta motivo titular limite alcance alcanza
  # Courtesy formulas and acknowledgements.
  0: si ok okay calidad corte efectivo vivo regala regale regalame regaleme
  0: atencion favor claro vale listo seguro cierto verdad dios disculpe disculpa disculpen perdon perdone lamento siento
  0: senor senora senorita
  # Collections vocabulary the base lexicons miss or weigh wrongly.
  2.5: gracias agradecer amable amables
  3: agradezco agradecemos agradecida agradecidos genial estupendo excelente perfecto perfecta alivio bendiciones
  3: bendiga encanta felicito felicidades alegra alegro placer
  3.5: buenisimo buenisima
  1.5: tranquila tranquilo tranquilos comprension solucion
  2: lindo gusto gusta
  1: paciencia confianza disposicion
  -2: molesta molesto molestos cansada apretado apretada enferma enfermos pesada
  -3: enojada enojado harto harta hartos desesperada desesperado abuso abusando abusivo robo amenazando denunciar
  -3: demandar injusto injusticia humillado humillada humillante pesadilla maldita maldito fallecio murio mentira
  -3: mentiras terrible horrible
  -2.5: preocupada preocupado fastidio amenaza demanda verguenza desempleado desempleada endeudado endeudada quebro
  -2.5: grite griten gritando pesados
  -3: avergonzaron avergonzado avergonzada avergonzando
  -3.5: ladron ladrones rateros fraude estafa acoso acosando mentirosos pesimo pesima
  -1.5: hospital
`);

const ES_PHRASES: PhraseEntry[] = [
  // Formulas that base lexicons read as praise.
  p('(buenos|buenas|buen) (dia|dias|tardes|noches)', 0),
  p('por favor', 0),
  p('a favor', 0),
  p('de acuerdo', 0),
  p('(esta|estaria) bien', 0),
  p('si (gusta|gustan)', 0),
  p('con quien tengo el gusto', 0),
  p('el gusto es mio', 2),
  p('sin falta', 0),
  p('(escuch*|oi*|oig*|entend*) bien', 0),
  p('no (le|te) (escuch*|oig*|entend*) [bien]', 0),
  p('la verdad', 0),
  p('por ciento', 0),
  p('lo siento', 0),
  p('de nada', 1.5),
  p('mucho gusto', 2),
  // Warm courtesy, thanks, approval, reassurance.
  p('con (gusto|gustazo)', 3),
  p('con (todo|mucho) gusto', 3.5),
  p('gracias por (la|su) (ayuda|atencion|paciencia|comprension|tiempo)', 3.5),
  p('mil gracias', 3.5),
  p('gracias a dios', 2.5),
  p('gracias a (usted|ti)', 3),
  p('dios (le|lo|la|se) [lo] pague', 3),
  p('dios [me|lo|la|le|los] bendig*', 3),
  p('se (lo|la) (agradezc*|agradesc*)', 3),
  p('que (tenga|tengan|pase|pasen) * (buen*|excelente|feliz|bonit*|lind*|bendecid*)', 3),
  p('que (le|les) vaya bien', 2.5),
  p('no se (preocupe|preocupen|preocupes)', 2.5),
  p('no (hay|es) [ningun] (problema|lio|bronca)', 2.5),
  p('sin problema', 2),
  p('no pasa nada', 2),
  p('peso de encima', 3),
  p('buena (idea|noticia|opcion)', 3),
  p('me parece (justo|razonable)', 2.5),
  p('me sirve', 1.5),
  // Inability to pay and hardship.
  p('no (pued*|podemos|podre|podria|podriamos) * (pagar*|pagarl*|abonar|cubrir|depositar|pagarle)', -3),
  p('no (tengo|tenemos|tiene) * (dinero|plata|lana|trabajo|empleo|chamba|ingresos)', -2.5),
  p('no (tengo|tenemos|tiene) (con|como|para|ni) (pagar|que|comer|para)', -2.5),
  p('no hay (dinero|plata|trabajo|empleo)', -2.5),
  p('no (me|nos) (alcanza|ajusta|completa)', -2.5),
  p('sin (trabajo|empleo|chamba|dinero|plata|ingresos)', -2.5),
  p('(me|nos) (despidieron|echaron|corrieron)', -2.5),
  p('(corto|corta|escaso|escasa|justo|justa) de (dinero|plata|lana)', -1.5),
  p('no puedo con', -2.5),
  p('no se que * hacer', -2.5),
  p('no veo salida', -3),
  p('ya no (aguanto|soporto|puedo)', -3),
  p('no (aguanto|soporto)', -2.5),
  p('me (siento|siente) (mal|fatal|terrible|impotente)', -3),
  // Complaints about the calls and the treatment.
  p('(dej*|dejenme|dejeme) de (llamar*|marcar*|molestar*|yamar*|joder)', -3.5),
  p('no [me|nos] (vuelva|vuelvan) a (llamar*|marcar*|molestar*)', -3.5),
  p('(dejen|dejenme|dejeme|deja) en paz', -3.5),
  p('(me|nos) [esta|estan|estas] (acosa*|amenaza*|molestando|hostigando)', -3.5),
  p('por (que|porque) (me|nos) (sigu*|vuelv*) * (llam*|marc*|molest*)', -3),
  p('(sigue|siguen) (cobrando|diciendo|llamando|molestando|marcando)', -2.5),
  p('(me|nos) (llaman|marcan) * (cada|todos|todo|diario|veces)', -2.5),
  p('otra (llamada|llamadita)', -2),
  p('otra (llamada|llamadita) mas', -3),
  p('(me|nos) tienen (harto|harta|hartos|cansado|cansada|loco|loca|locos|frit*)', -3.5),
  p('me van a volver (loco|loca)', -3),
  p('(cansado|cansada|cansados|harto|harta) de', -3),
  p('que (fastidio|pesadez|barbaridad|horror)', -3),
  p('es la _ vez', -2.5),
  p('ya (le|les|te) (dije|explique|repeti)', -2),
  p('ya (le|les|te) he (dicho|explicado|repetido)', -2),
  p('no [me|nos] [esta|estan|estas] escuchando', -2.5),
  p('no (me|nos) (escucha*|entiende*)', -2.5),
  p('no (me|nos) hace* caso', -2.5),
  p('(no|ni|nunca) (me|nos) (contesta*|responde*)', -2.5),
  p('(nunca|no) (me|nos) [han] (dado|dan|dieron) * (respuesta|solucion|razon)', -2.5),
  p('(no|ni) me (deja|dejan) (hablar|explicar)', -2.5),
  p('no me (grite|griten|grita)', -3),
  p('no me (hable|hablen) asi', -3),
  p('no me levante la voz', -3),
  p('levant* la voz', -2),
  p('no se hace', -2),
  p('es una (verguenza|burla|barbaridad)', -3.5),
  p('que pesad*', -3),
  p('gracias por nada', -3.5),
  p('mal (servicio|trato)', -3),
  p('nadie (me|nos) (resuelve|ayuda|explica|dice|dijo|contesta)', -2.5),
  // Disputes and refusals.
  p('no es (mio|mia)', -3),
  p('no es mi (deuda|cuenta|credito|tarjeta)', -3),
  p('no debo nada', -3),
  p('yo no debo', -2.5),
  p('no reconozco', -2.5),
  p('(no|nunca|jamas|nadie) [me|nos] (avis*|dij*|inform*|notific*)', -2.5),
  p('(no|nunca) [lo] (autori*|solicite|saque|firme)', -2.5),
  p('no (lo|la) hice yo', -2.5),
  p('me robaron', -3),
  p('no [le|les|lo] (voy|vamos|pienso|pensamos) [a] (pagar*|pagarl*|dar)', -3.5),
  p('ni (loco|loca)', -3),
  p('ni un (peso|centavo|quinto|sol|euro)', -3),
  p('no (me|nos) interesa', -2.5),
  p('no (estoy|estamos) de acuerdo', -2.5),
  p('no es justo', -3),
  p('no [me] parece justo', -3),
  p('no (me|nos) (sirve|sirven)', -2.5),
  p('no tengo tiempo', -2),
  p('(demandenme|denunciame|denuncienme)', -3),
  // Threats and escalation by the customer.
  p('(voy|vamos|van) a (demand*|denunci*|quej*)', -3.5),
  p('con (mi|un) abogado', -2.5),
  p('mi abogado', -2.5),
  p('(profeco|condusef|superintendencia|defensoria)', -2),
  // Consequences and pressure from the agent.
  p('(cobro|proceso) (juridico|prejuridico|judicial)', -2.5),
  p('(acciones|accion|proceso) (legal*|judicial*)', -2.5),
  p('embarg*', -3),
  p('(buro|central) de (credito|riesgo)', -2.5),
  p('(datacredito|infocorp|equifax)', -2.5),
  p('(casa|agencia) de (cobranza|cobro|cobros) [externa]', -2),
  p('historial * (afect*|manch*)', -2.5),
  p('ultima oportunidad', -2.5),
  p('intereses * (seguir*|van) [a] (aument*|crec*)', -2),
  p('no es mi problema', -3.5),
  p('si no (colabora|coopera)', -2.5),
  p('no (podemos|puedo) seguir esperando', -2.5),
  p('no (podemos|puedo) aceptar', -2.5),
  p('no (es|sera) posible', -2),
  p('siempre (dice|dicen) lo mismo', -2.5),
  p('nunca (paga|cumple)', -2.5),
  p('(no|nunca) (ha|han) cumplido', -2.5),
];

const EN_WORDS = valences(`
  # Ordinary business of a collection call.
  0: debt debts pay paying paid payment payments owe balance interest credit collect collection collections
  0: collector charge charges fee fees account bank due agreement settlement plan call calling important
  # Courtesy formulas and acknowledgements.
  0: quality accept back live lives understand
  0: please sorry yes yeah ok okay sure right well pretty want
  # Collections vocabulary the base lexicon misses or weighs wrongly.
  2.5: thank thanks
  2: understanding
  3: appreciate appreciated grateful relief perfect
  3.5: awesome
  -3.5: harassment harassing crooks scam outrageous
  -2.5: broke unemployed upset frustrated stressed worried
  -3: ridiculous angry
`);

const EN_PHRASES: PhraseEntry[] = [
  // Formulas that the base lexicon reads as praise.
  p('good (morning|afternoon|evening)', 0),
  p('best (number|time|way|date)', 0),
  p('(works|work) best', 0),
  p('(what|which) works', 0),
  p('i am sorry', 0),
  p('sorry to hear', 0),
  p('no (problem|worries)', 2.5),
  p('thank you', 3),
  p('thank you for (your|the) help', 3.5),
  p('thank you for nothing', -3.5),
  p('thanks for nothing', -3.5),
  p('(that|this) (works|work) for (me|us)', 2.5),
  p('that works', 2),
  p('all set', 1.5),
  p('sounds (good|great|fair|perfect)', 3),
  p('happy to (help|do)', 3),
  p('god bless', 3),
  p('take care', 2),
  p('have a * (day|weekend|evening|one)', 2.5),
  p('you too', 0),
  p('(sorted|worked) out', 1.5),
  p('do not worry', 2.5),
  // Inability to pay and hardship.
  p('(can|could) not afford', -3),
  p('(can|could) not pay', -3),
  p('unable to pay', -3),
  p('(do|did) not have * (money|cash|job|work|income)', -2.5),
  p('no (money|job|income|work)', -2.5),
  p('lost * (job|house|home|car)', -3),
  p('laid off', -3),
  p('out of work', -2.5),
  p('can not keep up', -2.5),
  p('passed away', -3),
  p('do not know what to do', -2.5),
  p('way too much', -2),
  p('can not work', -2),
  // Complaints about the calls and the treatment.
  p('(stop|quit) (calling|bothering|harassing)', -3.5),
  p('do not * call * again', -3.5),
  p('never call * again', -3.5),
  p('leave (me|us) alone', -3.5),
  p('(keep|still) calling', -3),
  p('every single day', -2),
  p('tired of', -3),
  p('not listening', -2.5),
  p('told (you|them) already', -2.5),
  p('already (told|explained)', -2.5),
  p('oh great', -2),
  p('another (collector|call)', -1.5),
  p('you people', -2),
  // Disputes and refusals.
  p('do not owe', -3),
  p('not my (account|debt|card|problem)', -3),
  p('not paying', -3),
  p('not going to pay', -3),
  p('not interested', -2.5),
  p('do not trust', -3),
  p('never (got|received) * (notice|letter|bill)', -2.5),
  p('not fair', -3),
  // Threats and escalation.
  p('going to (sue|report)', -3.5),
  p('will (sue|report)', -3.5),
  p('report you', -3.5),
  p('(my|a) (lawyer|attorney)', -2.5),
  p('(cfpb|bbb)', -2),
  p('attorney general', -2),
  // Consequences and pressure from the agent.
  p('legal action', -2.5),
  p('garnish*', -3),
  p('credit (bureau|bureaus)', -2.5),
  p('our (attorneys|lawyers)', -2.5),
  p('broken * (promise|promises)', -2.5),
  p('making excuses', -2.5),
  p('can not accept', -2.5),
];

export const COLLECTIONS_LEXICON: Record<Lang, CollectionsLexicon> = {
  es: { words: ES_WORDS, phrases: ES_PHRASES },
  en: { words: EN_WORDS, phrases: EN_PHRASES },
};
