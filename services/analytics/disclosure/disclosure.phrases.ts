import type { PhraseList } from '../matching/phrase.registry.ts';
import type { Language } from '../matching/transcript.types.ts';

/**
 * How agents say each disclosure element, in Spanish and English (phrase.pattern.ts syntax: (a|b) alternatives,
 * [x] optional, * a short free gap). Matching is accent-, case- and noise-tolerant, so variants here are about
 * wording, not spelling.
 */

export type ElementId =
  | 'recorded'
  | 'purpose'
  | 'right_to_object'
  | 'data_treatment'
  | 'privacy_notice'
  | 'attempt_to_collect'
  | 'debt_collector';

export const ELEMENT_PHRASES: Record<ElementId, Record<Language, string[]>> = {
  recorded: {
    es: [
      '(esta|la|nuestra|presente) (llamada|conversacion|comunicacion|gestion) (esta siendo|sera|es|queda|se esta|podra ser|puede ser|va a ser|estara|esta) [siendo] (grabada|grabado)',
      '(monitoreada|supervisada|escuchada) (y|o|y/o) (grabada|grabado)',
      '(estamos|vamos a|voy a|se va a|vamos a estar) (grabar|grabando) (esta|la|nuestra) (llamada|conversacion|comunicacion)',
      '(esta|la) (llamada|conversacion|comunicacion) se (graba|esta grabando|grabara|va a grabar|encuentra grabada)',
      '(se graba|se grabara|se esta grabando|sera grabada) (esta|la) (llamada|conversacion)',
      '(llamada|conversacion|comunicacion) (queda|quedara|sera|es) (registrada|guardada|almacenada) * (grabacion|grabada|audio)',
      '(llamada|conversacion|comunicacion) * (grabada|grabando|se graba|grabara|grabado)',
      '(grabacion|grabamos) de (esta|la|nuestra) (llamada|conversacion)',
      '(grabamos|registramos y grabamos|monitoreamos y grabamos) (todas|todas nuestras|todas las|nuestras|las|sus) (llamadas|conversaciones|comunicaciones)',
      '(todas|todas nuestras|todas las|nuestras|las) (llamadas|conversaciones|comunicaciones) (son|se|estan|quedan|seran|pueden ser) [siendo] (grabadas|graban|grabaran)',
      '(esta|la|nuestra) (linea|linea telefonica) (esta|es|sera|puede ser|se encuentra|queda) [siendo] (grabada|grabado)',
      'linea grabada',
      'todo lo que (hablemos|hablamos|digamos|conversemos) (queda|quedara|sera|esta siendo|se esta|va a quedar) [siendo] (grabado|grabando)',
    ],
    en: [
      '(this|the|your|our) [phone] (call|conversation) (is|will be|may be|might be|is being|can be|could be|are being) [monitored and|monitored or|monitored and or] recorded',
      '(we are|we will be|i am|we will|we may be) recording (this|the|our|your) [phone] (call|conversation)',
      '(calls|call|conversations) (are|is|may be|will be|might be) [monitored and|monitored or] recorded',
      '[this is a] recorded line',
      '(call|conversation|line) (is being|will be|may be|is) taped',
      '(call|conversation) * recorded',
      'recording (this|the) (call|conversation)',
      '(we|i) [may|will|do|always] (record|monitor and record) (all|every|each|our|these|this|your|the) * (calls|call|conversations|conversation)',
      'we [do|always] record all [of] our (calls|conversations|interactions|phone calls)',
      // the calls misheard ("we record all the articles for training and quality purposes"): the purpose says it
      '(we|i) [do|always] record (all|every) * for (quality|training|compliance) [and (quality|training|compliance)] purposes',
      '(all|every) [of] [our|the] (calls|call|conversations) (are|is|may be|will be|get|gets) [monitored and|monitored or] recorded',
      '(this|the|our) [phone|telephone] line (is|may be|will be|is being|can be|might be) [monitored and|monitored or] recorded',
      '(calls|call|conversations) (to|on|from) (this|our) (line|number) (are|is|may be|will be) [monitored and|monitored or] recorded',
    ],
  },
  purpose: {
    es: [
      '(por|para|con) (fines|motivos|efectos|temas) de (calidad|capacitacion|seguridad|entrenamiento|control|respaldo|verificacion|auditoria)',
      'por (calidad|seguridad|capacitacion) [y (calidad|seguridad|capacitacion|entrenamiento)]',
      '(para|por) (su|nuestra) (seguridad|proteccion|tranquilidad)',
      '(control|aseguramiento) de calidad',
      '(calidad del servicio|mejorar [el|nuestro] servicio|mejorar la atencion)',
      '(la|esta) grabacion (se utiliza|se usa|sirve|servira|es|se usara) (para|como) (verificar|soporte|respaldo|constancia|evidencia|prueba)',
      '(como|de|para) (soporte|respaldo|constancia|evidencia|prueba) de (lo que acordemos|los acuerdos|lo acordado|la gestion|la llamada|los compromisos)',
      '(datos|informacion) * (se usan|se utilizan|seran usados|seran utilizados|se tratan|seran tratados|se usara) [unicamente|solo|solamente|exclusivamente] (para|con el fin de) (la gestion|gestionar|el cobro|la administracion|administrar|fines)',
    ],
    en: [
      'for (quality|training|compliance|security|monitoring|verification|legal|record keeping) [and (quality|training|compliance|security)] (purposes|assurance|reasons)',
      'quality (assurance|purposes|control)',
      'for (your|our|mutual) (protection|security)',
      '(to|help us) improve (our|the) (service|quality)',
      '(as|for) [a] (record|evidence|proof) of (the|any|our|your)',
      '(recording|call) (is kept|is used|will be used|serves|is stored) (as|to|for)',
      '(information|data) * (is|will be) (used|processed) [only|solely|just] (to|for)',
      'processed (solely|only) to',
    ],
  },
  right_to_object: {
    es: [
      'si no (desea|quiere|esta de acuerdo|acepta) * (grabada|grabado|grabe|grabacion|grabar|grabemos)',
      '(puede|podra|tiene derecho a) (oponerse|negarse|rehusarse)',
      'derecho (a oponerse|de oposicion|a la oposicion)',
      '(derechos|derecho) de (acceso|rectificacion|cancelacion|oposicion|supresion|actualizacion)',
      '(puede|podra) (solicitar|pedir|ejercer) [la|sus] (supresion|rectificacion|eliminacion|actualizacion|derechos)',
      '(continuar|seguir) [la llamada] sin (grabar|grabacion)',
    ],
    en: [
      'if you (do not want|would prefer not|prefer not|would rather not|do not wish) * (recorded|recording)',
      '(you have the|you have a) right to (object|opt out|refuse|decline)',
      '(you may|you can) (object|opt out|refuse|decline) (to|the)',
      '(ask|request) * (access|delete|deletion|copy|correction|erasure|correct) * (data|information)',
      '(without|stop the|turn off the) recording',
    ],
  },
  data_treatment: {
    es: [
      'ley (1581|mil quinientos ochenta y uno)',
      '(ley|regimen|normas|norma) de (proteccion de datos|habeas data|tratamiento de datos)',
      'habeas data',
      '(politica|politicas) de (tratamiento|proteccion) de [la] (datos|informacion)',
      '(autoriza|autorizacion|autorizar) [el|para el] tratamiento de [sus] datos',
      'tratamiento de [sus] datos personales',
      'datos personales (seran|son|estan) (tratados|protegidos|manejados) (conforme|de acuerdo|segun)',
      'proteccion de [sus|los] datos personales',
      '(su|sus|la) (informacion|datos) * (sera|seran|es|son) (tratada|tratados|manejada|manejados) (de forma|de manera|con) (confidencial|reservada|confidencialidad|reserva)',
    ],
    en: [
      '(data protection|privacy) (law|act|policy)',
      '(personal data|personal information) (will be|is) (processed|handled|protected) (according|in accordance|under)',
    ],
  },
  privacy_notice: {
    es: ['aviso de privacidad', '(consultar|consulte|revisar|revise) (nuestro|el) aviso'],
    en: ['privacy notice', 'privacy (policy|statement) (is available|on our website|at)'],
  },
  attempt_to_collect: {
    es: [
      'intento de (cobrar|cobro de|cobranza de|cobro) [una|la] deuda',
      'intento (para|por) cobrar [una|la] deuda',
      '(cualquier|toda) informacion (obtenida|que obtengamos|que se obtenga) (sera|se) (utilizada|usara|utilizara|usada) (para|con) (ese|dicho|este|tal) (proposito|fin)',
    ],
    en: [
      '(attempt|attempting|trying) to collect (a|the|this) debt',
      'any information (obtained|we obtain) (will|shall) be used for (that|this) purpose',
    ],
  },
  debt_collector: {
    es: [
      'cobrador de deudas',
      '(cobradora|agencia|empresa|agente) de (cobro|cobranza) de deudas',
      'soy [un|una] (cobrador|cobradora) de deudas',
    ],
    en: ['debt collector', 'debt collection (agency|company)'],
  },
};

/** The disclosure elements as one phrase list (phrase id = element id). */
export const DISCLOSURE_PHRASE_LIST: PhraseList = {
  namespace: 'disclosure',
  minScore: 0.8,
  specs: (language) =>
    (Object.keys(ELEMENT_PHRASES) as ElementId[]).map((id) => ({
      id,
      patterns: ELEMENT_PHRASES[id][language],
      // the notice counts only when the agent gives it
      parties: ['agent'],
    })),
};
