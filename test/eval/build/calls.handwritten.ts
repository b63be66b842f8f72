import type { CallCase } from './calls.builder.ts';

/**
 * Whole calls written one by one (not composed from the builder's blocks), dev split only: the hard cases the
 * generated set draws rarely or words one way — agent offers and plans answered politely, payments already made,
 * conditions and refusals phrased the way Colombian, Mexican, Spanish and US callers say them, promises with a date
 * and no amount, cards and ID numbers read across two segments beside ordinary amounts. Labels follow LABELLING.md
 * (calls.jsonl section) and are written from what the speaker means, never from a detector's output.
 *
 * Markup in a turn: `[[TYPE|text]]` is a sensitive number (its span is labelled TYPE), `{{text}}` an amount that
 * must stay readable; a turn starting `a*:` is the agent's recording notice; `@65:` before the party starts the
 * turn at that second of the call (otherwise turns follow each other by their length).
 */

interface Written {
  id: string;
  locale: CallCase['locale'];
  startedAt: string;
  scenario: string;
  promise?: { amount: number | null; date: string | null };
  turns: string[];
}

const PROFILE: Record<string, { profile: string; currency: string; language: 'es' | 'en' }> = {
  co: { profile: 'co', currency: 'COP', language: 'es' },
  mx: { profile: 'mx', currency: 'MXN', language: 'es' },
  es: { profile: 'generic', currency: 'EUR', language: 'es' },
  us: { profile: 'us', currency: 'USD', language: 'en' },
  'us-es': { profile: 'us', currency: 'USD', language: 'es' },
};

// Wednesday 12 March 2025 in each country's clock
const CO = '2025-03-12T10:05:00-05:00';
const MX = '2025-03-12T11:20:00-06:00';
const ES = '2025-03-12T17:40:00+01:00';
const US = '2025-03-12T14:10:00-04:00';

const CALLS: Written[] = [
  {
    id: 'hand-co-001',
    locale: 'co',
    startedAt: CO,
    scenario: 'listen',
    turns: [
      'a: buenos días le habla andrés de cobranzas del valle con el señor julián ortiz',
      'c: sí con él',
      'a*: le informo que esta llamada está siendo grabada y monitoreada por calidad',
      'a: don julián tenemos para usted un acuerdo de pago a tres cuotas de {{ciento cincuenta mil pesos}} sin intereses',
      'c: sí señorita dígame y eso cómo funciona',
      'a: usted paga la primera cuota el quince y las otras dos cada mes',
      'c: ah bueno déjeme mirar con mi esposa y yo la llamo',
      'a: perfecto muchas gracias que tenga buen día',
    ],
  },
  {
    id: 'hand-co-002',
    locale: 'co',
    startedAt: CO,
    scenario: 'paid',
    turns: [
      'a*: buenas tardes esta llamada es grabada le habla paola de crediexpress',
      'c: sí buenas tardes',
      'a: la llamo por la cuota vencida de {{doscientos diez mil pesos}}',
      'c: no pero yo ya le consigné ayer los {{doscientos diez mil}} por efecty',
      'c: tengo el recibo aquí el número de referencia es 88 41 20 33',
      'a: listo déjeme verificar en el sistema',
      'a: sí aparece el pago muchas gracias',
    ],
  },
  {
    id: 'hand-co-003',
    locale: 'co',
    startedAt: CO,
    scenario: 'statement',
    promise: { amount: 300000, date: '2025-03-15' },
    turns: [
      'a: buenos días hablo con la señora marleny rojas',
      'c: sí señor ella habla',
      'a*: señora marleny le comento que la llamada se está grabando',
      'a: su obligación presenta {{un millón doscientos mil pesos}} en mora con noventa días de atraso',
      'a: para cuándo podría hacer un abono',
      'c: listo el quince le consigno {{trescientos mil}} por nequi',
      'a: perfecto queda registrado gracias',
    ],
  },
  {
    id: 'hand-co-004',
    locale: 'co',
    startedAt: CO,
    scenario: 'refusal',
    turns: [
      'a*: buenas tardes le recuerdo que esta conversación es grabada hablo con el señor camilo',
      'c: sí es él',
      'a: señor camilo su saldo pendiente es de {{ochocientos cuarenta mil pesos}}',
      'c: vea señorita yo llevo tres meses sin trabajo y tengo dos hijos en el colegio',
      'c: no le puedo pagar ni este mes ni el otro',
      'a: entiendo podría ser aunque sea {{cincuenta mil}} el viernes',
      'c: no señorita de verdad que no tengo',
      'a: bueno gracias por atenderme',
    ],
  },
  {
    id: 'hand-co-005',
    locale: 'co',
    startedAt: CO,
    scenario: 'statement',
    promise: { amount: 450000, date: '2025-03-31' },
    turns: [
      'a*: hola buenos días le saluda diego de financiera andina esta llamada está siendo grabada',
      'c: buenos días',
      'a: para validar me confirma su número de cédula por favor',
      'c: claro es [[CEDULA|uno cero uno cinco]]',
      'c: [[CEDULA|cuatro tres dos siete ocho nueve]]',
      'a: gracias su saldo es de {{1.350.000 pesos}}',
      'c: bueno a fin de mes le pago {{450 mil}}',
      'a: listo gracias',
    ],
  },
  {
    id: 'hand-co-006',
    locale: 'co',
    startedAt: CO,
    scenario: 'conditional',
    turns: [
      'a*: muy buenas tardes esta llamada es grabada para su seguridad habla natalia',
      'c: sí a la orden',
      'a: le llamo por el crédito de libranza que está vencido',
      'c: sí ya sé mire si me sale la prima en junio ahí le cancelo los {{seiscientos mil}}',
      'a: y antes de junio no podría abonar algo',
      'c: no por ahora no',
      'a: listo gracias',
    ],
  },
  {
    id: 'hand-co-007',
    locale: 'co',
    startedAt: CO,
    scenario: 'statement',
    promise: { amount: null, date: '2025-03-14' },
    turns: [
      'a: aló buenas con quién hablo',
      'c: con wilson',
      'a*: don wilson le habla sandra de cobranzas la llamada es grabada',
      'a: cuándo podría ponerse al día con la cuota',
      'c: el viernes le pago sin falta',
      'a: muchas gracias don wilson',
    ],
  },
  {
    id: 'hand-mx-001',
    locale: 'mx',
    startedAt: MX,
    scenario: 'conditional',
    turns: [
      'a*: buenas tardes le llamo de financiera del bajío le informo que esta llamada es grabada',
      'c: bueno sí quién habla',
      'a: soy rocío le llamo por su adeudo de {{cuatro mil doscientos pesos}}',
      'c: ay señorita ahorita estoy sin chamba',
      'c: si me sale el finiquito la otra semana le deposito los {{cinco mil}}',
      'a: muy bien gracias por la información',
    ],
  },
  {
    id: 'hand-mx-002',
    locale: 'mx',
    startedAt: MX,
    scenario: 'accept',
    promise: { amount: 1500, date: '2025-03-15' },
    turns: [
      'a*: buenos días le comento que la llamada está siendo grabada me comunico de grupo crédito norte',
      'c: sí buenos días',
      'a: su cuenta tiene un saldo vencido de {{tres mil pesos}}',
      'a: le parece si deposita {{mil quinientos}} el sábado',
      'c: ándale sí el sábado sin falta',
      'a: perfecto que tenga buen día',
    ],
  },
  {
    id: 'hand-mx-003',
    locale: 'mx',
    startedAt: MX,
    scenario: 'retracted',
    turns: [
      'a*: buenas tardes esta llamada será grabada le habla jorge de préstamos fáciles',
      'c: mande',
      'a: cuánto nos podría abonar esta semana',
      'c: pues le doy {{dos mil pesos}} el viernes',
      'c: no espere mejor no porque tengo que pagar la renta no le puedo prometer nada',
      'a: entiendo le marco la próxima semana',
    ],
  },
  {
    id: 'hand-mx-004',
    locale: 'mx',
    startedAt: MX,
    scenario: 'statement',
    promise: { amount: 500, date: '2025-03-31' },
    turns: [
      'a*: hola buenas tardes la llamada se graba por calidad hablo con la señora lupita',
      'c: sí soy yo',
      'a: me confirma un número celular para contactarla',
      'c: sí es [[PHONE|cincuenta y cinco cuarenta y ocho]]',
      'c: [[PHONE|doce treinta y cuatro noventa]]',
      'a: gracias su deuda es de {{dos mil quinientos pesos}}',
      'c: le abono {{quinientos pesos}} a fin de mes',
      'a: muchas gracias',
    ],
  },
  {
    id: 'hand-mx-005',
    locale: 'mx',
    startedAt: MX,
    scenario: 'other_payer',
    turns: [
      'a*: buenos días esta llamada está siendo grabada busco a martín salas',
      'c: habla su esposa él no está',
      'a: es referente a un pago pendiente',
      'c: ah él se encarga de eso él le deposita el lunes',
      'a: de acuerdo gracias',
    ],
  },
  {
    id: 'hand-mx-006',
    locale: 'mx',
    startedAt: MX,
    scenario: 'listen',
    turns: [
      'a: buenas tardes con el señor ramiro',
      'c: sí él habla',
      '@70 a*: antes de seguir le aviso que la llamada se está grabando',
      'a: tenemos una promoción de descuento del cuarenta por ciento si liquida {{tres mil pesos}} este mes',
      'c: ajá sí le escucho',
      'a: le interesa',
      'c: lo voy a pensar gracias',
    ],
  },
  {
    id: 'hand-es-001',
    locale: 'es',
    startedAt: ES,
    scenario: 'statement',
    promise: { amount: 80, date: '2025-03-13' },
    turns: [
      'a*: buenas tardes le llamo de recobros iberia le informo de que la llamada está siendo grabada',
      'c: vale dígame',
      'a: tiene un recibo pendiente de {{ciento sesenta euros}}',
      'c: vale mañana le hago un bizum de {{ochenta euros}} y el resto el mes que viene',
      'a: perfecto muchas gracias',
    ],
  },
  {
    id: 'hand-es-002',
    locale: 'es',
    startedAt: ES,
    scenario: 'proposal_declined',
    turns: [
      'a*: buenos días esta conversación se graba para su seguridad',
      'c: buenos días',
      'a: le propongo abonar {{ciento cincuenta euros}} el día cinco',
      'c: no eso no me viene bien ya le llamaré yo cuando pueda',
      'a: de acuerdo gracias',
    ],
  },
  {
    id: 'hand-es-003',
    locale: 'es',
    startedAt: ES,
    scenario: 'vague',
    turns: [
      'a*: buenas la llamada queda grabada le habla marta de cobros levante',
      'c: sí hola',
      'a: cuándo podría abonar la deuda',
      'c: pues le pagaré cuando pueda mujer que ahora mismo no sé',
      'a: vale gracias',
    ],
  },
  {
    id: 'hand-es-004',
    locale: 'es',
    startedAt: ES,
    scenario: 'statement',
    promise: { amount: 300, date: '2025-03-17' },
    turns: [
      'a*: buenas tardes esta llamada está siendo grabada me confirma su dni por favor',
      'c: sí es [[DNI|12345678Z]]',
      'a: gracias el importe pendiente es de {{novecientos euros}}',
      'c: el lunes le hago una transferencia de {{trescientos euros}}',
      'a: perfecto',
    ],
  },
  {
    id: 'hand-es-005',
    locale: 'es',
    startedAt: ES,
    scenario: 'paid',
    turns: [
      'a: buenos días hablo con don antonio',
      'c: sí',
      'c: oiga que yo ya pagué la semana pasada {{doscientos euros}} por transferencia',
      'a: ah pues no me consta todavía',
      'c: pues mírelo bien que lo pagué',
      'a: vale lo reviso gracias',
    ],
  },
  {
    id: 'hand-us-001',
    locale: 'us',
    startedAt: US,
    scenario: 'paid',
    turns: [
      'a*: hi this is mark with summit recovery this call is being recorded this is an attempt to collect a debt by a debt collector',
      'c: yeah hi',
      'a: i am calling about the balance of {{four hundred dollars}}',
      'c: i already paid {{two hundred dollars}} last friday check your records',
      'a: okay let me look into that',
    ],
  },
  {
    id: 'hand-us-002',
    locale: 'us',
    startedAt: US,
    scenario: 'conditional',
    turns: [
      'a*: good afternoon this call may be recorded this is an attempt to collect a debt from a debt collector',
      'c: okay',
      'a: when can you make a payment',
      'c: if my tax refund comes in i could send {{three hundred}}',
      'a: all right thanks',
    ],
  },
  {
    id: 'hand-us-003',
    locale: 'us',
    startedAt: US,
    scenario: 'hedge',
    turns: [
      'a*: hello this call is recorded this is a communication from a debt collector',
      'c: hi',
      'a: we can offer a settlement of forty percent which is {{one thousand two hundred dollars}}',
      'c: okay i will think about it and get back to you',
      'a: sounds good',
    ],
  },
  {
    id: 'hand-us-004',
    locale: 'us',
    startedAt: US,
    scenario: 'refusal',
    turns: [
      'a*: hi this call is being recorded i am a debt collector attempting to collect a debt',
      'c: look i am sixty two years old i have been out of work for eight months',
      'c: i cannot pay anything right now not even {{fifty bucks}}',
      'a: i understand',
    ],
  },
  {
    id: 'hand-us-005',
    locale: 'us',
    startedAt: US,
    scenario: 'statement',
    promise: { amount: 150, date: '2025-03-20' },
    turns: [
      'a*: thanks for taking my call this call is recorded this is an attempt to collect a debt by a debt collector',
      'c: sure',
      'a: your past due amount is {{six hundred dollars}}',
      'c: i can do {{a hundred fifty}} on the twentieth',
      'a: great i will note that',
    ],
  },
  {
    id: 'hand-us-006',
    locale: 'us',
    startedAt: US,
    scenario: 'accept',
    promise: { amount: 250, date: '2025-03-14' },
    turns: [
      'a*: this call is recorded this is an attempt to collect a debt by a debt collector',
      'c: okay',
      'a: can we put you down for {{two fifty}} this friday',
      'c: yeah that works',
      'a: perfect thank you',
    ],
  },
  {
    id: 'hand-us-007',
    locale: 'us',
    startedAt: US,
    scenario: 'statement',
    promise: { amount: 200, date: '2025-03-13' },
    turns: [
      'a*: this call is recorded this is an attempt to collect a debt by a debt collector',
      'c: yes',
      'a: would you like to pay by card',
      'c: sure the card number is [[CARD|four one one one two three four five]]',
      'c: [[CARD|six seven eight nine zero one two seven]]',
      'a: thank you and how much',
      'c: {{two hundred dollars}} tomorrow please',
      'a: okay',
    ],
  },
  {
    id: 'hand-us-008',
    locale: 'us',
    startedAt: US,
    scenario: 'listen',
    turns: [
      'a: hi may i speak with dana',
      'c: speaking',
      'a: dana we have a hardship plan of {{fifty dollars}} a month for twelve months',
      'c: uh huh go ahead',
      'a: you can enroll online',
      'c: okay thanks bye',
    ],
  },
  {
    id: 'hand-us-009',
    locale: 'us',
    startedAt: US,
    scenario: 'dispute',
    turns: [
      'a*: this call is being recorded this is an attempt to collect a debt by a debt collector',
      'c: yes',
      'a: to verify can you give me your social',
      'c: it is [[SSN|five two three four one]]',
      'c: [[SSN|six seven eight nine]]',
      'a: thanks you owe {{one thousand two hundred}} dollars',
      'c: i dispute that i never opened that account',
      'a: okay i will send you a validation notice',
    ],
  },
  {
    id: 'hand-us-es-001',
    locale: 'us-es',
    startedAt: US,
    scenario: 'statement',
    promise: { amount: 100, date: '2025-03-14' },
    turns: [
      'a*: buenas tardes esta llamada es grabada este es un intento de cobrar una deuda y le habla un cobrador',
      'c: sí dígame',
      'a: su balance es de {{setecientos dólares}}',
      'c: le mando {{cien dólares}} el viernes por zelle',
      'a: muchas gracias',
    ],
  },
  {
    id: 'hand-us-es-002',
    locale: 'us-es',
    startedAt: US,
    scenario: 'listen',
    turns: [
      'a: buenas tardes hablo con la señora rosa',
      'c: sí ella habla',
      'a: le ofrecemos un plan de pagos de {{ochenta dólares}} al mes',
      'c: sí buenas tardes dígame',
      'a: le mando la información por correo',
      'c: está bien gracias',
    ],
  },
  {
    id: 'hand-co-008',
    locale: 'co',
    startedAt: CO,
    scenario: 'statement',
    promise: { amount: 200000, date: '2025-03-14' },
    turns: [
      'a*: buenos dias la yamada es grabada le abla jimena de cobransas del valle',
      'c: si con ella',
      'a: usted tiene un salvo pendiente de {{seiscientos mil pesos}}',
      'c: el bienes le consigno {{dosientos mil}}',
      'a: listo grasias',
    ],
  },
  {
    id: 'hand-co-009',
    locale: 'co',
    startedAt: CO,
    scenario: 'listen',
    turns: [
      'a*: buenas tardes esta llamada está siendo grabada',
      'a: le recuerdo que su cuota es de {{doscientos mil}} y vence el viernes',
      'c: ok gracias',
      'a: con gusto feliz tarde',
    ],
  },
  {
    id: 'hand-co-010',
    locale: 'co',
    startedAt: CO,
    scenario: 'statement',
    promise: { amount: 150000, date: '2025-03-13' },
    turns: [
      'a*: buenos días la llamada se graba para su seguridad',
      'c: sí mire mi cédula es [[CEDULA|52.331.908]] y debo {{1.200.000}}',
      'a: correcto y cuánto podría pagar',
      'c: mañana le abono {{150 mil}} pesos',
      'a: gracias',
    ],
  },
  {
    id: 'hand-co-011',
    locale: 'co',
    startedAt: CO,
    scenario: 'statement',
    promise: { amount: 200000, date: '2025-03-13' },
    turns: [
      'a*: buenas tardes la llamada está siendo grabada desea pagar con tarjeta',
      'c: sí son [[CARD|cuatro cinco dos seis cero uno ocho uno]]',
      'c: [[CARD|cinco nueve cero ocho tres cero uno dos]] y le pago {{doscientos mil}} mañana',
      'a: listo',
    ],
  },
  {
    id: 'hand-es-006',
    locale: 'es',
    startedAt: ES,
    scenario: 'statement',
    promise: { amount: null, date: '2025-03-14' },
    turns: [
      'a*: buenas tardes le informo de que esta llamada se graba',
      'a: cuándo podría pagar el recibo',
      'c: el viernes se lo pago si dios quiere',
      'a: gracias',
    ],
  },
  {
    id: 'hand-us-010',
    locale: 'us',
    startedAt: US,
    scenario: 'statement',
    promise: { amount: 100, date: '2025-03-14' },
    turns: [
      'a*: this call is recorded this is an attempt to collect a debt by a debt collector',
      'c: okay',
      'c: i will pay {{a hundred}} on friday if it is okay with you',
      'a: that is fine thank you',
    ],
  },
  {
    id: 'hand-us-011',
    locale: 'us',
    startedAt: US,
    scenario: 'listen',
    turns: [
      'a*: this call is being recorded this is an attempt to collect a debt by a debt collector',
      'a: your payment of {{one fifty}} is due on the fifteenth',
      'c: okay',
      'a: thank you have a nice day',
    ],
  },
  {
    id: 'hand-us-012',
    locale: 'us',
    startedAt: US,
    scenario: 'statement',
    promise: { amount: 75, date: '2025-03-12' },
    turns: [
      'a*: this call is recorded this is an attempt to collect a debt by a debt collector',
      'c: my card is [[CARD|5378 2190]]',
      'c: [[CARD|4466 1204]] and i will send {{75 dollars}} today through the app',
      'a: all right processing',
    ],
  },
];

const TAG = /\[\[([A-Z]+)\|([^\]]+)\]\]|\{\{([^}]+)\}\}/g;

/** The written calls as cases of the whole-call set (times from the words' length; spans from the markup). */
export function buildHandwrittenCalls(): CallCase[] {
  return CALLS.map((w) => {
    const p = PROFILE[w.locale]!;
    const segments: CallCase['segments'] = [];
    const pii: CallCase['pii'] = [];
    const amounts: CallCase['amounts'] = [];
    let noticeAt: number | null = null;
    let t = 800;
    for (const raw of w.turns) {
      const head = /^(?:@(\d+) )?([ac])(\*)?: /.exec(raw)!;
      if (head[1]) t = Math.max(t, Number(head[1]) * 1000);
      let text = '';
      let last = 0;
      const body = raw.slice(head[0].length);
      for (const m of body.matchAll(TAG)) {
        text += body.slice(last, m.index);
        const value = m[2] ?? m[3]!;
        const span = {
          segmentIndex: segments.length,
          start: text.length,
          end: text.length + value.length,
          text: value,
        };
        if (m[1]) pii.push({ ...span, type: m[1] });
        else amounts.push(span);
        text += value;
        last = m.index! + m[0].length;
      }
      text += body.slice(last);
      const words = text.split(' ').length;
      const duration = Math.max(700, Math.round(words * 380));
      if (head[3]) noticeAt = t - 800;
      const agent = head[2] === 'a';
      segments.push({
        party: agent ? 'agent' : 'customer',
        channel: agent ? 0 : 1,
        startMs: t,
        endMs: t + duration,
        text,
      });
      t += duration + 500;
    }
    const outcome = noticeAt === null ? 'missing' : noticeAt <= 20_000 ? 'on_time' : 'late';
    return {
      id: w.id,
      split: 'dev',
      language: p.language,
      locale: w.locale,
      profile: p.profile,
      startedAt: w.startedAt,
      currency: p.currency,
      noise: 'clean',
      scenario: { promise: w.scenario, notice: outcome },
      segments,
      promise: w.promise
        ? {
            promised: true,
            amount: w.promise.amount,
            currency: w.promise.amount === null ? null : p.currency,
            date: w.promise.date,
          }
        : { promised: false, amount: null, currency: null, date: null },
      notice: { outcome, atMs: noticeAt },
      pii,
      amounts,
    } as CallCase;
  });
}
