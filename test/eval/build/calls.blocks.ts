/**
 * Dialogue building blocks of the whole-call development set (calls.builder.ts): how agents and customers in
 * Colombia, Mexico, Spain and the US open a collection call, tell (or fail to tell) that it is recorded, verify,
 * state the debt, offer plans, and how customers commit, hedge, refuse, retract or say they already paid. Each block
 * is a list of independent wordings; dev and test draw from disjoint thirds of every list (see `pool`). Templates:
 * {cust} {agent} {company} {A} (an amount) {D} (a date) {P} (a past time) {n} {days} {pct} {age} (numbers that are
 * never amounts). Nothing here is read by a detector; labels come from which block a scenario chose.
 */

export type Locale = 'co' | 'mx' | 'es' | 'us' | 'us-es';
export type Split = 'dev' | 'test';

/** Every third wording (index 2, 5, …) belongs to the held-out split, the rest to dev; short lists are shared. */
export function pool<T>(split: Split, items: readonly T[]): readonly T[] {
  if (items.length < 3) return items;
  return items.filter((_, i) => (split === 'test' ? i % 3 === 2 : i % 3 !== 2));
}

type ByLocale = Partial<Record<Locale | 'es-all', readonly string[]>>;

/** The wordings of a block for a locale: the shared Spanish ones plus the locale's own. */
export function wordings(block: ByLocale, locale: Locale): readonly string[] {
  const own = block[locale] ?? [];
  return locale === 'us' ? own : [...(block['es-all'] ?? []), ...own];
}

export const COMPANIES: Record<Locale, readonly string[]> = {
  co: [
    'Cobranzas Andinas',
    'Banco del Valle',
    'Financiera Cafetera',
    'Créditos La Sabana',
    'Recaudos del Norte',
  ],
  mx: ['Grupo Crediticio Azteca', 'Financiera Tepeyac', 'Cobranza Integral del Bajío', 'Banco Sierra Madre'],
  es: ['Gestión de Cobros Ibérica', 'Financiera Mediterránea', 'Recobros Castilla', 'Banco Cantábrico'],
  us: ['Midwest Recovery Services', 'Lakeshore Credit Solutions', 'Pioneer Collections', 'Summit Financial'],
  'us-es': ['Midwest Recovery Services', 'Lakeshore Credit Solutions', 'Pioneer Collections'],
};

export const AGENTS: Record<'es' | 'en', readonly string[]> = {
  es: [
    'Andrea',
    'Camilo',
    'Paola',
    'Julián',
    'Verónica',
    'Marco',
    'Lucía',
    'Sergio',
    'Diana',
    'Raúl',
    'Marisol',
  ],
  en: ['Jessica', 'Mike', 'Tanya', 'Kevin', 'Brittany', 'Daniel', 'Monique', 'Tyler', 'Rachel', 'Luis'],
};

export const CUSTOMERS: Record<Locale, readonly string[]> = {
  co: ['Luz Marina Restrepo', 'Jhon Fredy Gómez', 'Yesenia Cárdenas', 'Wilson Ospina', 'Gloria Patiño'],
  mx: ['Guadalupe Hernández', 'José Luis Martínez', 'Rocío Sánchez', 'Arturo Villarreal', 'Mayra Gutiérrez'],
  es: ['Montserrat Puig', 'Francisco Javier Ruiz', 'Inmaculada López', 'Jordi Ferrer', 'Nuria Castaño'],
  us: ['Tanisha Brooks', 'Robert Miller', 'Amanda Kowalski', 'Derek Johnson', 'Crystal Nguyen'],
  'us-es': ['María Elena Torres', 'Juan Carlos Reyes', 'Yolanda Cruz', 'Héctor Salinas'],
};

export const GREETING: ByLocale = {
  'es-all': [
    'Buenos días, ¿hablo con {cust}?',
    'Buenas tardes, por favor con {cust}.',
    'Hola, ¿qué tal? ¿Se encuentra {cust}?',
    'Muy buenas tardes, ¿me podría comunicar con {cust}?',
    'Buen día, ¿me comunico con {cust}?',
    'Buenas, ¿con quién tengo el gusto? Busco a {cust}.',
  ],
  co: ['Aló, buenas tardes, ¿me regala el favor con {cust}?', 'Buenos días, ¿hablo con el titular, {cust}?'],
  mx: [
    'Bueno, buenas tardes, ¿me comunica con {cust}, por favor?',
    'Qué tal, buenas tardes, busco a {cust}.',
  ],
  es: ['Hola, buenos días, ¿es usted {cust}?', 'Buenas tardes, pregunto por {cust}.'],
  us: [
    'Hi, may I speak with {cust}?',
    'Good afternoon, is this {cust}?',
    'Hello, I am trying to reach {cust}.',
    'Good morning, am I speaking with {cust}?',
    'Hi there, is {cust} available?',
    'Hello, this call is for {cust}.',
  ],
};

export const ANSWER: ByLocale = {
  'es-all': [
    'Sí, buenos días, dígame.',
    'Sí, con ella habla.',
    'Sí, soy yo, ¿quién habla?',
    'Ella misma, dígame.',
    'Sí, él habla, ¿de parte de quién?',
    'Sí, a la orden.',
    'Sí, ¿qué se le ofrece?',
  ],
  co: ['Sí señora, con él, dígame pues.', 'Aló, sí, sumercé, ¿quién es?'],
  mx: ['Bueno, sí, soy yo, ¿quién habla?', 'Sí, mande.'],
  es: ['Sí, soy yo, dime.', 'Sí, dígame, ¿de qué se trata?'],
  us: [
    'Yes, speaking.',
    'This is she, who is calling?',
    'Yeah, that is me, what is this about?',
    'Speaking, how can I help you?',
    'Yes, good morning, go ahead.',
    'Uh, yes, who is this?',
  ],
};

export const IDENTIFY: ByLocale = {
  'es-all': [
    'Le habla {agent}, asesora de {company}.',
    'Mi nombre es {agent} y le llamo de {company}.',
    'Soy {agent}, del área de cartera de {company}.',
    'Le saluda {agent}, de {company}.',
    'Con usted {agent}, de parte de {company}.',
  ],
  us: [
    'My name is {agent}, I am calling from {company}.',
    'This is {agent} with {company}.',
    'I am {agent}, a representative of {company}.',
    'You are speaking with {agent} from {company}.',
  ],
};

/** The agent tells the customer the call is recorded (counts when on time). */
export const NOTICE: ByLocale = {
  'es-all': [
    'Le informo que esta llamada está siendo grabada y monitoreada por calidad.',
    'Antes de continuar, le comento que la conversación queda grabada para fines de calidad y seguridad.',
    'Esta llamada es grabada con fines de calidad.',
    'Por su seguridad, esta comunicación está siendo grabada.',
    'Le aviso que estamos grabando la llamada como soporte de lo que acordemos.',
    'La presente llamada se graba para efectos de calidad del servicio.',
    'Le recuerdo que la llamada quedará grabada.',
    'Para su conocimiento, la conversación se está grabando.',
    'Le cuento que esta conversación se graba por temas de calidad y capacitación.',
    'Tenga en cuenta que esta llamada se está grabando.',
    'Le comunico que grabamos esta llamada para su seguridad.',
    'Esta conversación será grabada como evidencia de los acuerdos.',
  ],
  co: ['Esta llamada está siendo grabada y sus datos se tratan conforme a la Ley 1581 de 2012.'],
  mx: ['Esta llamada se graba y sus datos se tratan conforme a nuestro aviso de privacidad.'],
  es: ['Le informamos de que esta llamada se graba; puede ejercer sus derechos de protección de datos.'],
  us: [
    'This call is being recorded for quality assurance.',
    'Please be aware this call may be recorded and monitored.',
    'Before we continue, I need to let you know this conversation is recorded.',
    'Just so you know, we record all of our calls for training and quality purposes.',
    'This call will be recorded.',
    'Calls are recorded for your protection and ours.',
    'I want to let you know that this call is recorded.',
    'Heads up, this line is recorded.',
    'For quality purposes, this conversation is being recorded.',
  ],
};

/** Things said about recording that are not the agent's notice: the customer's, partial, negated, other senses. */
export const NOT_NOTICE: Record<'customer' | 'partial' | 'negated' | 'other', ByLocale> = {
  customer: {
    'es-all': [
      'Oiga, ¿esta llamada la están grabando?',
      'Le aviso que yo también estoy grabando esta llamada.',
      '¿Me están grabando o qué?',
      'Yo voy a grabar esto por si acaso.',
    ],
    us: [
      'Is this call being recorded?',
      'Just so you know, I am recording this call on my end.',
      'Are you guys recording me?',
      'I am recording this conversation, by the way.',
    ],
  },
  partial: {
    'es-all': [
      'Esta llamada puede ser monitoreada por un supervisor.',
      'Por calidad, un supervisor puede escuchar esta conversación.',
      'Le informo que esta llamada es monitoreada.',
    ],
    us: [
      'This call may be monitored.',
      'A supervisor may listen in on this call.',
      'Calls are monitored for quality.',
    ],
  },
  negated: {
    'es-all': ['Tranquilo, esta llamada no se está grabando.', 'No se preocupe, no estamos grabando.'],
    us: ['Do not worry, this call is not being recorded.', 'No, we are not recording this.'],
  },
  other: {
    'es-all': [
      'Ya le grabé el número nuevo en el sistema.',
      'Listo, quedó grabado su correo en la base de datos.',
      'Le grabo la dirección nueva, un momento.',
    ],
    us: ['I saved your new number in our records.', 'Okay, I have your e-mail saved on the account.'],
  },
};

/** The agent deflects the customer's question about recording without saying it is recorded. */
export const DEFLECT: ByLocale = {
  'es-all': [
    'Es una llamada de rutina, no se preocupe.',
    'Está bien. Le decía entonces...',
    'Bueno, sigamos.',
  ],
  us: ['It is just a routine call, ma’am.', 'Okay. So, as I was saying...', 'Alright, let us continue.'],
};

export const DEBT: ByLocale = {
  'es-all': [
    'Le llamo por su obligación con nosotros, que presenta un saldo pendiente de {A}.',
    'Su tarjeta tiene {days} días de mora y un saldo vencido de {A}.',
    'Registra {n} cuotas atrasadas por un total de {A}.',
    'El valor para ponerse al día es de {A}.',
    'Su crédito está en mora desde hace {n} meses, el saldo es de {A}.',
    'Le comento que tiene un saldo vencido de {A} con {days} días de atraso.',
    'Lo contactamos porque su cuenta tiene {days} días de retraso; el monto pendiente es {A}.',
  ],
  co: ['Usted tiene una obligación en mora de {days} días, por {A}.'],
  mx: ['Trae un adeudo de {A} con {days} días de atraso.'],
  es: ['Tiene usted una deuda pendiente de {A}, con {n} recibos sin pagar.'],
  us: [
    'Your account is {days} days past due with a balance of {A}.',
    'I am calling about your balance of {A}, which is {n} payments behind.',
    'The past due amount on your account is {A}.',
    'You currently owe {A}, and the account is {days} days delinquent.',
    'Your minimum payment of {A} was due {n} weeks ago.',
    'The total to bring the account current is {A}.',
  ],
};

export const DEBT_REPLY: ByLocale = {
  'es-all': [
    'Sí, ya sé, es que he estado muy apretado.',
    'Ajá, sí, yo sé de eso.',
    'Mmm, sí, me imaginaba que era por eso.',
    'Uy, sí, es que llevo {n} meses sin trabajo.',
    'Mire, tengo {age} años y vivo de la pensión, no me alcanza.',
    'Sí, estuve hospitalizado {n} semanas y me atrasé.',
    'Es que tengo {n} hijos y la situación está difícil.',
    'Sí, buenos días, dígame.',
    'Ok, le escucho.',
  ],
  co: ['Sí, pues, es que la cosa está dura, sumercé.'],
  mx: ['Sí, es que orita no ha habido chamba.', 'Ah, sí, ya sé, es que me quedé sin lana.'],
  es: ['Ya, ya lo sé, es que me quedé en paro hace {n} meses.'],
  us: [
    'Yeah, I know, things have been tight.',
    'Right, I figured that is what this was about.',
    'I have been out of work for {n} months.',
    'I am {age} years old, I am on a fixed income.',
    'I was in the hospital for {n} weeks, that is why I fell behind.',
    'Okay, go ahead.',
    'I have {n} kids and money is really tight right now.',
  ],
};

/** The agent's offers and plans: never a promise by themselves. */
export const OFFER: ByLocale = {
  'es-all': [
    'Le podemos ofrecer un acuerdo de pago a {n} meses.',
    'Tenemos una campaña con un descuento del {pct} por ciento si paga de contado.',
    'Podemos diferir el saldo en {n} cuotas.',
    'Le puedo ofrecer una refinanciación a {n} meses sin intereses de mora.',
    'Si se pone al día este mes, le condonamos el {pct} por ciento de los intereses.',
    'Hay una opción de pagar en {n} cuotas mensuales de {A}.',
    'Le ofrecemos un plan a {n} meses con una cuota de {A}.',
  ],
  co: ['Le podemos hacer un acuerdo de pago a {n} meses, con un abono inicial de {A}.'],
  mx: ['Le puedo dar un convenio a {n} quincenas de {A}.'],
  es: ['Le podemos fraccionar la deuda en {n} plazos de {A}.'],
  us: [
    'We can set you up on a {n}-month plan at {A} a month.',
    'We are offering {pct} percent off if you settle the account today.',
    'I can split the balance into {n} payments.',
    'There is a hardship program that lowers your payment to {A} for {n} months.',
    'If you pay in full this month, we can waive {pct} percent of the fees.',
    'We could do a settlement for {A}.',
  ],
};

/** The customer just listens to an offer. */
export const LISTEN: ByLocale = {
  'es-all': [
    'Sí, buenos días, dígame.',
    'Ajá.',
    'Ok, mándeme la información por correo.',
    'Lo voy a pensar.',
    'Déjeme hablar con mi esposa y le aviso.',
    'Mmm, bueno, ¿y cuánto quedaría?',
    'Ya veo.',
    'Ok, ok, entiendo.',
  ],
  co: ['Listo, déjeme pensarlo y yo lo llamo.'],
  mx: ['Ah, órale, déjeme ver.'],
  es: ['Vale, vale, lo miro y le digo algo.'],
  us: [
    'Uh-huh.',
    'Okay, send me that in writing.',
    'Let me think about it.',
    'I need to talk to my wife first.',
    'Okay, I hear you.',
    'Hm, how much would that be?',
    'Alright.',
  ],
};

/** A customer's own commitment: {A} and/or {D} are filled in (at least one). */
export const COMMIT: ByLocale = {
  'es-all': [
    'Listo, yo le pago {A} {D}.',
    'Mire, {D} sin falta le abono {A}.',
    'Voy a pagar {A} {D}.',
    'Me comprometo a pagar {A} {D}.',
    'Puedo dar {A} {D}.',
    'Cuente con eso, {D} le pago {A}.',
    'Le voy a hacer el pago {D} por {A}.',
    'Ahí le mando {A} {D}.',
    'Sí, yo le puedo pagar {A} {D}.',
    'No puedo todo, pero {D} le pago {A}.',
    'Bueno, entonces yo le hago un abono de {A} {D}.',
    'Le voy a pagar {A} {D}, se lo prometo.',
    'Yo {D} hago el pago de {A}.',
    'Le aseguro que {D} le pago {A}.',
    'Deje anotado que {D} pago {A}.',
  ],
  co: [
    '{D} le consigno {A}.',
    'Yo le cancelo {A} {D}.',
    'Listo pues, {D} le consigno {A} por Nequi.',
    'Le hago la consignación de {A} {D}.',
  ],
  mx: [
    'Le deposito {A} {D} en el Oxxo.',
    'Ándale, {D} le deposito {A}.',
    'Orita no, pero {D} le hago el depósito de {A}.',
    'Le pago {A} {D}, cuando me caiga la quincena.',
  ],
  es: [
    'Le hago una transferencia de {A} {D}.',
    'Vale, le ingreso {A} {D}.',
    'Le hago un bizum de {A} {D}.',
    'Pues le transfiero {A} {D}, sin problema.',
  ],
  'us-es': ['Le mando {A} {D} por Zelle.', 'Le pago {A} {D} con mi cheque.'],
  us: [
    "I'll pay {A} {D}.",
    'I can send {A} {D}.',
    "I'm going to make a payment of {A} {D}.",
    "I promise I'll have {A} to you {D}.",
    'I will call in and pay {A} {D}.',
    "You'll have {A} {D}.",
    "Okay, I'll put {A} down {D}.",
    "I can't do the whole thing, but I'll pay {A} {D}.",
    'I will make a payment {D} for {A}.',
    "Put me down for {A} {D}, I'll pay it.",
    'I get paid {D}, and I will send you {A} then.',
    "I'll transfer {A} {D}.",
  ],
};

/** The agent proposes a concrete payment (the customer then accepts or not). */
export const PROPOSE: ByLocale = {
  'es-all': [
    '¿Le parece si dejamos el pago de {A} para {D}?',
    '¿Podría pagar {A} {D}?',
    'Entonces, ¿podemos dejar un compromiso de {A} para {D}?',
    '¿Le queda bien abonar {A} {D}?',
    '¿Qué tal si hace un pago de {A} {D}?',
    'Le propongo un abono de {A} {D}, ¿le sirve?',
  ],
  mx: ['¿Entonces {D} abona {A}?'],
  co: ['¿Le parece bien un abono de {A} para {D}?'],
  es: ['¿Le viene bien ingresar {A} {D}?'],
  us: [
    'Can you make a payment of {A} {D}?',
    'So we have you down for {A} {D}, correct?',
    'Could we set up {A} for {D}?',
    'How about {A} {D}?',
    'Would you be able to pay {A} {D}?',
  ],
};

export const ACCEPT: ByLocale = {
  'es-all': [
    'Sí, listo, así quedamos.',
    'Dale, está bien.',
    'Sí señorita, de acuerdo.',
    'Sí, eso sí puedo.',
    'Perfecto, sí.',
    'Está bien, sí, ahí se lo pago.',
    'Bueno, sí, me parece bien.',
  ],
  mx: ['Ándale, sí, ahí le deposito.', 'Sale, va.'],
  co: ['Listo, hágale, de una.'],
  es: ['Vale, perfecto.', 'Venga, vale, de acuerdo.'],
  us: ['Yeah, that works.', "Okay, let's do that.", 'Sure, I can do that.', "Yes, that's fine.", 'Deal.'],
};

export const DECLINE: ByLocale = {
  'es-all': [
    'No, no puedo, de verdad.',
    'No, eso no me alcanza.',
    'Uy no, imposible.',
    'No, esa fecha no puedo.',
  ],
  mx: ['No, ni modo, no se va a poder.'],
  us: ["No, I can't do that.", "That's not going to work for me.", 'No way, I do not have that.'],
};

export const AGENT_CONFIRM: ByLocale = {
  'es-all': [
    'Perfecto, queda registrado el compromiso.',
    'Listo, entonces queda el compromiso de pago por {A} para {D}.',
    'Muy bien, le dejo anotado el pago.',
    'Excelente, le envío el soporte por mensaje de texto.',
  ],
  us: [
    'Great, I have that noted on the account.',
    'Perfect, so that is {A} {D}.',
    'Alright, you will get a confirmation by e-mail.',
  ],
};

export const ASK_PAY: ByLocale = {
  'es-all': [
    '¿Cuánto puede pagar y para cuándo?',
    '¿Para cuándo podría hacer el pago y por cuánto?',
    '¿Con cuánto se podría poner al día y qué día?',
  ],
  us: [
    'How much can you pay, and when?',
    'What amount can you do, and what date?',
    'When can you pay, and how much?',
  ],
};

/** The customer's answer to ASK_PAY with an amount and a date and no verb. */
export const ANSWER_PAY: ByLocale = {
  'es-all': ['{A} {D}.', 'Pues {A} para {D}.', 'Eh, {A}, {D}.', 'Mmm, unos {A} {D}.'],
  us: ['{A} {D}.', 'Um, {A}, {D}.', 'Uh, {A} and {D}.'],
};

export const NEGATIVE: Record<
  'conditional' | 'refusal' | 'paid' | 'hedge' | 'vague' | 'other_payer' | 'dispute' | 'callback',
  ByLocale
> = {
  conditional: {
    'es-all': [
      'Si me pagan la quincena, {D} le abono {A}.',
      'Si me sale el trabajo, le pago {A}.',
      'Cuando me llegue la prima le consigno algo.',
      'Si mi hijo me presta, le pago {D}.',
      'Depende de si me pagan, ahí le digo.',
      'En cuanto me paguen le puedo dar {A}, pero no sé cuándo.',
      'Siempre y cuando me llegue el dinero, {D} le pago.',
      'Si consigo la plata le abono {A} {D}.',
    ],
    us: [
      'If I get my tax refund, I will pay {A}.',
      'Once I get paid, I can probably send something.',
      'As soon as my check clears, I will call you.',
      'If my hours pick up, I could do {A} {D}.',
      'It depends on whether my unemployment comes through.',
      'If my sister lends me the money, I will pay {D}.',
    ],
  },
  refusal: {
    'es-all': [
      'No puedo pagar nada en este momento.',
      'Ahorita no tengo cómo, de verdad.',
      'No voy a pagar eso.',
      'No me alcanza, estoy sin trabajo.',
      'Imposible, este mes no.',
      'No cuento con ese dinero.',
      'No tengo plata para eso, lo siento.',
    ],
    us: [
      "I can't pay anything right now.",
      "I'm not paying that.",
      "There's no way I can do that this month.",
      "I don't have the money, I lost my job.",
      "I can't afford it, period.",
    ],
  },
  paid: {
    'es-all': [
      'Yo ya pagué {A} {P}.',
      'Eso ya lo pagué {P}.',
      'Ya hice la transferencia {P}, tengo el comprobante.',
      'Ya le consigné {A} {P}.',
      'Eso ya quedó saldado {P}.',
      'Pero si yo ya pagué, {P} deposité {A}.',
    ],
    us: [
      'I already paid {A} {P}.',
      'I sent a check {P}.',
      'I made a payment {P}, I have the confirmation number.',
      'That was paid off {P}.',
      'I already sent {A} {P}, check your records.',
    ],
  },
  hedge: {
    'es-all': [
      'Voy a ver si puedo {D}, pero no le prometo.',
      'A lo mejor le abono algo {D}.',
      'Tal vez pueda dar {A}, no sé.',
      'Voy a intentar conseguir {A}.',
      'Déjeme revisar mis cuentas y le aviso.',
      'Quizás {D} pueda pagar algo, no le aseguro nada.',
      'No sé, a ver si {D} me alcanza.',
    ],
    us: [
      "I'll try to send something {D}.",
      "Maybe I can do {A} {D}, I'm not sure.",
      'Let me check my budget and call you back.',
      "I might be able to do {A}, I don't know.",
      'Possibly {D}, but do not hold me to it.',
    ],
  },
  vague: {
    'es-all': [
      'Sí, yo voy a pagar, no se preocupe.',
      'Yo le pago, tranquila, yo no me voy a desaparecer.',
      'Sí, sí, yo pago, apenas me organice.',
    ],
    us: [
      "I'll pay it, don't worry.",
      'I am going to take care of it eventually.',
      'I will pay, I just need time.',
    ],
  },
  other_payer: {
    'es-all': [
      'Eso lo paga mi esposo, hable con él.',
      'Mi hija es la que se encarga de eso.',
      'Llámele a mi hermano, él es el que paga.',
    ],
    us: ['My husband handles the bills, you need to talk to him.', 'My son takes care of that, call him.'],
  },
  dispute: {
    'es-all': [
      'Esa deuda no es mía, yo nunca saqué esa tarjeta.',
      'Yo no le debo nada a ustedes.',
      'Eso es un error, ese crédito lo cancelé hace años.',
    ],
    us: [
      'That is not my debt, I never opened that account.',
      'I do not owe you anything.',
      'This has to be a mistake.',
    ],
  },
  callback: {
    'es-all': [
      'Llámeme la otra semana y hablamos.',
      'Estoy ocupado, mejor llámeme mañana.',
      'Ahora no puedo hablar, llámeme más tarde.',
    ],
    us: ['Call me back next week.', 'I am at work, call me tomorrow.', "I can't talk right now."],
  },
};

/** Said after a commitment, taking it back. */
export const RETRACT: ByLocale = {
  'es-all': [
    'Espere, mejor no, no le puedo asegurar esa fecha.',
    'Pensándolo bien, no voy a alcanzar, mejor no quedemos en nada.',
    'No, olvídelo, mejor yo lo llamo cuando tenga.',
    'Ay no, me acordé que ese día no me pagan, mejor no me comprometo.',
    'Mejor no le prometo nada, no quiero quedar mal.',
    'No, sabe qué, mejor no, déjelo así.',
  ],
  us: [
    "Actually, wait, I can't do that, don't put me down for it.",
    "You know what, scratch that, I can't promise anything.",
    "On second thought, I shouldn't commit to that, my rent is due.",
    'Actually no, forget it, I will call you when I have it.',
  ],
};

export const CLOSING: ByLocale = {
  'es-all': [
    'Gracias por su tiempo, que tenga buen día.',
    'Muchas gracias, feliz tarde.',
    'Le agradezco, hasta luego.',
    'Gracias por atenderme, que esté muy bien.',
  ],
  us: ['Thank you for your time, have a great day.', 'Thanks, take care.', 'Alright, thank you, bye now.'],
};

export const CLOSING_REPLY: ByLocale = {
  'es-all': ['Igualmente, gracias.', 'Chao, gracias.', 'Bueno, hasta luego.', 'Gracias a usted.'],
  us: ['You too, bye.', 'Thanks, bye.', 'Okay, bye.'],
};

/** Small talk that lengthens a call before a late notice. */
export const SMALL_TALK: ByLocale = {
  'es-all': [
    'Mire, le cuento que este mes ha sido muy difícil, se me dañó la moto, mi mamá estuvo enferma y en el trabajo nos recortaron las horas, entonces de verdad que no he podido organizarme con las cuentas.',
    'Es que yo siempre he pagado puntual, usted puede revisar, pero desde que cambié de empleo me pagan más tarde y todo se me ha atrasado, incluso el arriendo y los servicios.',
    'Yo hablé la vez pasada con otra señorita y me dijo que me iban a mandar un correo con el estado de cuenta, pero nunca me llegó nada, entonces yo no sabía ni cuánto debía.',
    'Y además me están cobrando unos intereses que no entiendo, porque yo pedí el préstamo con una tasa y ahora me sale otra, y nadie me explica por qué.',
  ],
  us: [
    'Look, this month has been rough, my car broke down, my mom was in the hospital and they cut my hours at work, so I just have not been able to keep up with everything.',
    'I always paid on time before, you can check, but since I changed jobs my paychecks come later and everything got behind, rent, utilities, all of it.',
    'I talked to someone last time and they said they would e-mail me a statement, but I never got anything, so I did not even know what I owed.',
    'And there are these fees I do not understand, I signed up at one rate and now it is a different one and nobody explains why.',
  ],
};

export const AGENT_ACK: ByLocale = {
  'es-all': [
    'Entiendo perfectamente.',
    'Claro, lo comprendo.',
    'Sí, le entiendo.',
    'Comprendo su situación.',
  ],
  us: ['I understand.', 'I hear you, that is tough.', 'Got it, I understand.'],
};

export const VERIFY_ID: Record<Locale, readonly string[]> = {
  co: ['¿Me confirma su número de cédula, por favor?', 'Para verificar, ¿me regala su número de documento?'],
  mx: ['¿Me confirma un teléfono de contacto, por favor?', '¿A qué número celular le podemos marcar?'],
  es: ['¿Me indica su DNI para verificar la identidad?', 'Para la verificación, ¿me dice su DNI?'],
  us: ['Can you verify your social security number?', 'For verification, what is your social?'],
  'us-es': ['¿Me confirma un teléfono de contacto?', '¿A qué número celular lo podemos llamar?'],
};

export const ID_LEAD: Record<Locale, readonly string[]> = {
  co: ['Sí, mi cédula es', 'Claro, es la cédula', 'Documento número'],
  mx: ['Sí, mi celular es el', 'Anote mi número,', 'Mi teléfono es'],
  es: ['Sí, mi DNI es', 'Claro, el DNI es', 'Mi documento de identidad es'],
  us: ['Sure, my social is', 'Yeah, it is', 'My social security number is'],
  'us-es': ['Sí, mi celular es el', 'Mi número de teléfono es'],
};

export const CARD_ASK: ByLocale = {
  'es-all': [
    'Para inscribir el débito automático, ¿me dicta el número de la tarjeta?',
    'Para dejarle registrada la tarjeta en la cuenta, ¿me indica el número?',
    'Si quiere le dejo la tarjeta inscrita para futuros cobros, ¿me la dicta?',
  ],
  us: [
    'To set up autopay, what card number should we put on file?',
    'I can save a card on the account for future payments, go ahead with the number.',
    'Which card would you like on file? Go ahead with the number.',
  ],
};

export const CARD_LEAD: ByLocale = {
  'es-all': ['Sí, la tarjeta es', 'Bueno, es una visa,', 'Anote, el número de la tarjeta es'],
  us: ['Okay, the card number is', 'It is a visa,', 'Sure, card number'],
};

export const CARD_AFTER: ByLocale = {
  'es-all': ['Listo, ya quedó registrado, muchas gracias.', 'Perfecto, un momento mientras proceso.'],
  us: ['Got it, thank you.', 'Perfect, one moment while I process that.'],
};
