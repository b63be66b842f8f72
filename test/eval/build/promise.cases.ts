/**
 * promise.jsonl: short exchanges written by hand, labelled by hand (LABELLING.md): promise yes/no, amount,
 * currency and the resolved payment date. Lines start with "a:" (agent) or "c:" (customer).
 */
import type { Lang } from './noise.ts';

export interface PromiseSpec {
  split: 'dev' | 'test';
  language: Lang;
  startedAt: string;
  currency: string;
  lines: string[];
  promise: boolean;
  amount: number | null;
  date: string | null;
}

/** Call days (local time): weekday in the comment. */
const CALLS = {
  d1: { startedAt: '2024-03-13T15:20:00-05:00', currency: 'COP', language: 'es' }, // Wednesday
  d2: { startedAt: '2024-11-28T11:05:00-06:00', currency: 'MXN', language: 'es' }, // Thursday
  d3: { startedAt: '2025-01-10T14:40:00-05:00', currency: 'USD', language: 'en' }, // Friday
  d4: { startedAt: '2025-06-02T09:30:00-05:00', currency: 'COP', language: 'es' }, // Monday
  d5: { startedAt: '2024-12-20T16:10:00-08:00', currency: 'USD', language: 'en' }, // Friday
  d6: { startedAt: '2025-01-10T10:00:00-06:00', currency: 'USD', language: 'es' }, // Friday
} as const;

type Day = keyof typeof CALLS;
type Row = [Day, string[], boolean, number | null, string | null];

const DEV: Row[] = [
  [
    'd1',
    ['a: cuándo podría realizar el pago', 'c: el viernes le pago doscientos mil'],
    true,
    200000,
    '2024-03-15',
  ],
  [
    'd1',
    ['a: cuánto puede abonar', 'c: eh puedo dar quinientos cincuenta y tres mil el quince'],
    true,
    553000,
    '2024-03-15',
  ],
  [
    'd1',
    [
      'a: entonces queda el compromiso de pago por trescientos mil pesos para el lunes',
      'c: sí señorita listo',
    ],
    true,
    300000,
    '2024-03-18',
  ],
  ['d1', ['c: mañana sin falta le consigno ciento cincuenta mil'], true, 150000, '2024-03-14'],
  ['d1', ['a: cuándo nos puede pagar', 'c: no tengo como pagar ahorita la verdad'], false, null, null],
  ['d1', ['c: voy a ver si puedo el viernes pero no le aseguro'], false, null, null],
  ['d1', ['c: si me pagan la prima le abono algo'], false, null, null],
  ['d1', ['c: ya pagué el lunes doscientos mil por el banco'], false, null, null],
  ['d1', ['a: puede pagar los doscientos mil el viernes', 'c: no imposible no tengo'], false, null, null],
  ['d1', ['c: el treinta le pago el total un millón doscientos mil'], true, 1200000, '2024-03-30'],
  ['d1', ['a: para cuándo el pago', 'c: le pago a fin de mes'], true, null, '2024-03-31'],
  ['d1', ['c: listo yo le hago el pago de doscientos cincuenta mil pesos'], true, 250000, null],
  ['d1', ['c: pasado mañana le transfiero cincuenta mil pesitos'], true, 50000, '2024-03-15'],
  [
    'd1',
    ['a: me confirma la fecha del pago', 'c: el cinco de abril le pago los trescientos mil'],
    true,
    300000,
    '2024-04-05',
  ],
  ['d1', ['c: el otro mes quizás pueda pagar algo'], false, null, null],
  ['d1', ['c: le consigno el martes seiscientos mil'], true, 600000, '2024-03-19'],
  ['d1', ['c: eso ya lo pagó mi esposo'], false, null, null],
  ['d1', ['c: en ocho días le pago setecientos ochenta y cinco mil'], true, 785000, '2024-03-20'],
  ['d1', ['a: qué día le queda bien', 'c: el sábado en la mañana le pago'], true, null, '2024-03-16'],
  ['d1', ['c: necesito hablar primero con mi esposa'], false, null, null],
  ['d1', ['c: el miércoles de la otra semana le doy cuatrocientos mil'], true, 400000, '2024-03-20'],
  ['d1', ['c: le pago dos millones el quince de abril'], true, 2000000, '2024-04-15'],
  ['d4', ['c: hoy mismo le pago cien mil'], true, 100000, '2025-06-02'],
  ['d4', ['c: el viernes seis le consigno ochocientos mil'], true, 800000, '2025-06-06'],
  ['d4', ['c: no señor yo no voy a pagar eso'], false, null, null],
  [
    'd4',
    ['a: podemos dejar el pago para el quince', 'c: sí está bien el quince pago'],
    true,
    null,
    '2025-06-15',
  ],
  ['d4', ['c: le abono trescientos veinte mil el primero de julio'], true, 320000, '2025-07-01'],
  ['d4', ['c: a ver déjeme pensarlo y le devuelvo la llamada'], false, null, null],
  ['d4', ['c: mañana le hago una transferencia de noventa mil'], true, 90000, '2025-06-03'],
  ['d4', ['a: cuándo paga', 'c: pues yo creo que la otra semana'], false, null, null],
  ['d4', ['c: el lunes le pago sin falta'], true, null, '2025-06-09'],
  ['d4', ['c: ya le dije que no tengo trabajo no puedo pagar nada'], false, null, null],
  ['d2', ['c: el viernes le deposito mil quinientos pesos'], true, 1500, '2024-11-29'],
  ['d2', ['c: le pago dos mil trescientos el lunes'], true, 2300, '2024-12-02'],
  [
    'd2',
    ['a: cuánto puede pagar hoy', 'c: hoy nada pero el cinco de diciembre le doy tres mil'],
    true,
    3000,
    '2024-12-05',
  ],
  ['d2', ['a: puede hacer un pago hoy', 'c: ahorita no puedo'], false, null, null],
  ['d2', ['c: le doy ochocientos cincuenta pesos mañana'], true, 850, '2024-11-29'],
  ['d2', ['c: a lo mejor el quince le puedo dar algo'], false, null, null],
  ['d2', ['c: ya le deposité ayer los dos mil'], false, null, null],
  ['d2', ['a: entonces el sábado abona cuatro mil doscientos', 'c: sí ándale'], true, 4200, '2024-11-30'],
  ['d2', ['c: el diez de enero pago todo lo que debo'], true, null, '2025-01-10'],
  ['d2', ['c: mi hijo es el que paga háblele a él'], false, null, null],
  ['d3', ['c: i can pay two hundred dollars on monday'], true, 200, '2025-01-13'],
  ['d3', ["c: i'll pay 150 dollars tomorrow"], true, 150, '2025-01-11'],
  ['d3', ["c: i'll try to pay something next week"], false, null, null],
  ['d3', ['c: i already paid 200 dollars yesterday'], false, null, null],
  [
    'd3',
    [
      'a: so we have you down for three hundred and twenty five dollars on the fifteenth',
      "c: yes that's correct",
    ],
    true,
    325,
    '2025-01-15',
  ],
  ['d3', ['c: maybe on friday if i get paid'], false, null, null],
  ['d3', ["c: i'm not paying that i don't owe you anything"], false, null, null],
  ['d3', ['c: okay i will make a payment of fifteen hundred on the 5th'], true, 1500, '2025-02-05'],
  ['d3', ['c: i can do fifty bucks next friday'], true, 50, '2025-01-17'],
  ['d3', ['c: let me talk to my wife first'], false, null, null],
  ['d3', ["c: i'll pay the full balance at the end of the month"], true, null, '2025-01-31'],
  ['d3', ['c: i will send seventy five dollars today'], true, 75, '2025-01-10'],
  ['d3', ['a: can you make a payment today', "c: no i can't"], false, null, null],
  ['d5', ["c: i'll pay a hundred and fifty on the 27th"], true, 150, '2024-12-27'],
  ['d5', ["c: i promise i'll pay you on january fifteenth"], true, null, '2025-01-15'],
  ['d5', ['c: call me back next month'], false, null, null],
  ['d5', ["c: i get paid on monday so i'll pay two fifty then"], true, 250, '2024-12-23'],
  [
    'd5',
    ['a: would you be able to pay forty dollars next tuesday', 'c: yeah i can do that'],
    true,
    40,
    '2024-12-24',
  ],
  ['d5', ["c: i don't know when i can pay"], false, null, null],
  ['d6', ['c: le pago cien dólares el lunes'], true, 100, '2025-01-13'],
  ['d6', ['c: no tengo dinero ahora llámeme después'], false, null, null],
  ['d6', ['c: el quince le mando doscientos dólares'], true, 200, '2025-01-15'],
  ['d6', ['c: ya mandé el pago la semana pasada'], false, null, null],
];

const TEST: Row[] = [
  ['d1', ['c: listo el jueves le consigno cuatrocientos cincuenta mil'], true, 450000, '2024-03-14'],
  [
    'd1',
    ['a: me puede confirmar el valor y la fecha', 'c: ciento ochenta mil el viernes quince'],
    true,
    180000,
    '2024-03-15',
  ],
  ['d1', ['c: no le prometo nada señorita'], false, null, null],
  ['d1', ['c: si consigo el préstamo le pago todo'], false, null, null],
  [
    'd1',
    ['a: le parece bien un abono de doscientos mil mañana', 'c: sí de acuerdo mañana se lo hago'],
    true,
    200000,
    '2024-03-14',
  ],
  ['d1', ['c: eso lo pagué la semana pasada ya tengo el recibo'], false, null, null],
  ['d1', ['c: el veinte le pago noventa y cinco mil'], true, 95000, '2024-03-20'],
  ['d1', ['c: a fin de mes le cancelo el saldo completo'], true, null, '2024-03-31'],
  ['d1', ['c: déjeme organizarme y yo lo llamo'], false, null, null],
  ['d1', ['c: el domingo le hago el pago de setenta mil'], true, 70000, '2024-03-17'],
  ['d1', ['c: le consigno el diez de abril un millón'], true, 1000000, '2024-04-10'],
  ['d1', ['c: cuando tenga plata le pago'], false, null, null],
  ['d1', ['c: pasado mañana sin falta le pago trescientos setenta mil'], true, 370000, '2024-03-15'],
  ['d1', ['a: cuánto podría pagar', 'c: cien mil pesos el lunes se los pago'], true, 100000, '2024-03-18'],
  ['d1', ['c: no estoy de acuerdo con ese cobro'], false, null, null],
  ['d1', ['c: en quince días le pago doscientos mil'], true, 200000, '2024-03-27'],
  ['d1', ['c: el primero de abril le pago la cuota'], true, null, '2024-04-01'],
  ['d1', ['a: podría pagar hoy', 'c: hoy no mañana tampoco'], false, null, null],
  ['d1', ['c: le pago el martes veintiséis quinientos mil'], true, 500000, '2024-03-26'],
  ['d1', ['c: quedamos en que el sábado le pago los ochenta mil'], true, 80000, '2024-03-16'],
  ['d1', ['c: le hago el pago de un millón quinientos mil el treinta y uno'], true, 1500000, '2024-03-31'],
  ['d4', ['c: el miércoles le pago doscientos treinta mil'], true, 230000, '2025-06-04'],
  ['d4', ['c: ahorita estoy sin empleo no puedo comprometerme'], false, null, null],
  ['d4', ['c: hoy en la tarde le transfiero sesenta mil'], true, 60000, '2025-06-02'],
  ['d4', ['a: para qué fecha', 'c: el doce le pago'], true, null, '2025-06-12'],
  ['d4', ['a: qué tal el viernes', 'c: no el viernes no puedo'], false, null, null],
  ['d4', ['c: le pago el veinte de julio los cuatrocientos mil'], true, 400000, '2025-07-20'],
  ['d4', ['c: mi mamá le va a pagar ella'], false, null, null],
  ['d4', ['c: en una semana le abono ciento veinte mil'], true, 120000, '2025-06-09'],
  ['d4', ['c: yo pago cuando me llegue la liquidación'], false, null, null],
  ['d4', ['c: de aquí al sábado le consigno doscientos mil'], true, 200000, '2025-06-07'],
  ['d2', ['c: mañana le deposito dos mil quinientos'], true, 2500, '2024-11-29'],
  ['d2', ['c: el lunes le doy seiscientos pesos'], true, 600, '2024-12-02'],
  ['d2', ['c: no tengo trabajo no voy a poder'], false, null, null],
  [
    'd2',
    ['a: entonces el quince de diciembre paga cinco mil', 'c: sí así quedamos'],
    true,
    5000,
    '2024-12-15',
  ],
  ['d2', ['c: ya le pagué en el oxxo'], false, null, null],
  ['d2', ['c: el jueves de la próxima semana le deposito mil doscientos'], true, 1200, '2024-12-05'],
  ['d2', ['c: ni modo el sábado le pago los tres mil quinientos'], true, 3500, '2024-11-30'],
  ['d2', ['c: quién sabe a lo mejor en diciembre'], false, null, null],
  ['d2', ['c: el dos de enero le liquido todo'], true, null, '2025-01-02'],
  ['d2', ['c: háblele a mi esposo él se encarga'], false, null, null],
  ['d3', ['c: i can pay three hundred dollars on the twentieth'], true, 300, '2025-01-20'],
  ['d3', ["c: tomorrow i'll send you sixty dollars"], true, 60, '2025-01-11'],
  ['d3', ['c: i might be able to pay in february'], false, null, null],
  ['d3', ['c: i sent a check last week'], false, null, null],
  [
    'd3',
    ['a: can we set up a payment of one thousand two hundred on february first', "c: yes let's do that"],
    true,
    1200,
    '2025-02-01',
  ],
  ['d3', ["c: if my tax refund comes in i'll pay you"], false, null, null],
  ['d3', ['c: i will pay $80 on wednesday'], true, 80, '2025-01-15'],
  ['d3', ["c: i'm going to pay it all on friday"], true, null, '2025-01-17'],
  ['d3', ['c: stop calling me'], false, null, null],
  ['d3', ["c: i'll make a payment of four hundred and fifty dollars in two weeks"], true, 450, '2025-01-24'],
  ['d3', ["c: i can't afford anything right now"], false, null, null],
  ['d5', ["c: i'll pay you ninety dollars on monday"], true, 90, '2024-12-23'],
  ['d5', ["c: on the third of january i'll pay two hundred"], true, 200, '2025-01-03'],
  ['d5', ['c: i need to check with my bank first'], false, null, null],
  [
    'd5',
    ["a: so that's one hundred twenty five dollars today", 'c: yep that works'],
    true,
    125,
    '2024-12-20',
  ],
  ['d5', ['c: i will pay the balance by the end of the month'], true, null, '2024-12-31'],
  ['d5', ['c: maybe after the holidays'], false, null, null],
  ['d5', ["c: i'll pay five hundred dollars next tuesday"], true, 500, '2024-12-24'],
  ['d6', ['c: el lunes le mando ciento cincuenta dólares'], true, 150, '2025-01-13'],
  ['d6', ['c: no puedo pagar nada este mes'], false, null, null],
  ['d6', ['c: le pago trescientos dólares el veinte'], true, 300, '2025-01-20'],
  ['d6', ['c: voy a tratar de pagarle algo'], false, null, null],
  ['d6', ['c: mañana le deposito setenta y cinco dólares'], true, 75, '2025-01-11'],
  ['d6', ['c: ya pagué en línea'], false, null, null],
];

export function promiseSpecs(): PromiseSpec[] {
  const mk =
    (split: 'dev' | 'test') =>
    ([day, lines, promise, amount, date]: Row): PromiseSpec => ({
      split,
      ...CALLS[day],
      lines,
      promise,
      amount,
      date,
    });
  return [...DEV.map(mk('dev')), ...TEST.map(mk('test'))];
}
