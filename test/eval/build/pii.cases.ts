/* eslint-disable @typescript-eslint/no-unused-expressions -- each tagged template below registers one case */
/**
 * pii.jsonl: utterances written in ASR style, each sensitive value marked by hand with its type (LABELLING.md).
 * Values are rendered with spoken.ts so a card read digit by digit and its label stay in step.
 */
import type { Lang } from './noise.ts';
import { render, type Style } from './spoken.ts';

export type PiiType =
  'CARD' | 'CVV' | 'EXPIRY' | 'DNI' | 'CEDULA' | 'CURP' | 'RFC' | 'SSN' | 'EMAIL' | 'PHONE';

interface Mark {
  type: PiiType;
  text: string;
}

export interface PiiCase {
  id: string;
  split: 'dev' | 'test';
  language: Lang;
  text: string;
  spans: Mark[];
}

const cases: Omit<PiiCase, 'id'>[] = [];

function utter(split: 'dev' | 'test', language: Lang) {
  return (strings: TemplateStringsArray, ...marks: Mark[]): void => {
    let text = strings[0]!;
    marks.forEach((m, i) => {
      text += m.text + strings[i + 1]!;
    });
    cases.push({ split, language, text: text.replace(/\s+/g, ' ').trim(), spans: marks });
  };
}

const m = (type: PiiType, text: string): Mark => ({ type, text });
const card = (lang: Lang, digits: string, style: Style, groups?: number[]): Mark =>
  m('CARD', render(lang, digits, style, groups));

const esDev = utter('dev', 'es');
const esTest = utter('test', 'es');
const enDev = utter('dev', 'en');
const enTest = utter('test', 'en');

// ---------------------------------------------------------------- Spanish, dev
esDev`sí claro el número de la tarjeta es ${card('es', '4526018159083012', 'spoken')}`;
esDev`eh la tarjeta es ${card('es', '4661318609139090', 'double')} a nombre mío`;
esDev`tome nota ${card('es', '5960308246281947', 'groups')} esa es la visa`;
esDev`el número es ${card('es', '4786579754323199', 'pairs')} y el código de seguridad ${m('CVV', 'tres cuatro uno')}`;
esDev`la mastercard termina pues es ${card('es', '5821993518190931', 'dashes')}`;
esDev`es ${card('es', '4111111111111111', 'digits')} vence ${m('EXPIRY', 'cero cinco veintiséis')}`;
esDev`fecha de vencimiento ${m('EXPIRY', 'doce del veintisiete')} y el cvv ${m('CVV', 'nueve cero dos')}`;
esDev`los tres numeritos de atrás son ${m('CVV', 'ocho ocho uno')}`;
esDev`el código de seguridad es ${m('CVV', '417')}`;
esDev`mi cédula es ${m('CEDULA', '1.020.345.678')}`;
esDev`cédula de ciudadanía ${m('CEDULA', 'uno cero dos cero tres cuatro cinco seis siete ocho')}`;
esDev`el número de documento es ${m('CEDULA', '52 345 678')} de bogotá`;
esDev`mi dni es el ${m('DNI', '12345678z')}`;
esDev`el nie es ${m('DNI', 'x1234567l')}`;
esDev`mi curp es ${m('CURP', 'pegj850312hdfrrn05')}`;
esDev`el rfc ${m('RFC', 'pegj850312ab1')} para la factura`;
esDev`mi correo es ${m('EMAIL', 'juan punto perez arroba gmail punto com')}`;
esDev`escríbame a ${m('EMAIL', 'mariafernanda.lopez@hotmail.com')}`;
esDev`el email es ${m('EMAIL', 'carlos guion bajo ruiz arroba yahoo punto es')}`;
esDev`mi celular es ${m('PHONE', 'tres cero cero uno dos tres cuatro cinco seis siete')}`;
esDev`llámeme al ${m('PHONE', '310 555 1234')} después de las seis`;
esDev`el teléfono de la casa es ${m('PHONE', 'seis cero uno cuatro cuatro cinco dos tres uno ocho')}`;
esDev`anote mi número ${m('PHONE', 'cincuenta y cinco doce treinta y cuatro cincuenta y seis setenta y ocho')}`;
esDev`mi whatsapp es el ${m('PHONE', '+57 315 678 9012')}`;
esDev`la tarjeta ${card('es', '4979711471049743', 'spoken')} vence en ${m('EXPIRY', 'marzo del veintiocho')}`;
esDev`el número de la tarjeta de crédito ${card('es', '5650752917034231', 'pairs')}`;
esDev`ok ${card('es', '374875749118629', 'spoken')} es una american express`;
esDev`mi cédula ${m('CEDULA', 'ochenta millones cuatrocientos cincuenta y dos mil trescientos diez')}`;
esDev`el correo ${m('EMAIL', 'pagos arroba cobranzas punto com punto co')} es de la empresa`;
esDev`sí mi celular ${m('PHONE', '3 1 2 4 5 6 7 8 9 0')}`;
// negatives
esDev`le debo doscientos cincuenta mil pesos desde marzo`;
esDev`el saldo es de 1.250.000 pesos`;
esDev`pagué el 15 de marzo de 2024 en el banco`;
esDev`su número de pedido es 4512 3456 7890 1235`;
esDev`la factura número 2024 0056 7781 0000 ya está vencida`;
esDev`el contrato es el 8801234567`;
esDev`la referencia de pago es cuatro cinco seis siete ocho nueve`;
esDev`son las tres y cuarenta y cinco de la tarde`;
esDev`tiene un descuento del treinta por ciento`;
esDev`eso fue en el año dos mil veintitrés`;
esDev`los últimos cuatro dígitos de la tarjeta son cuatro cinco dos uno`;
esDev`visite www punto banco popular punto com punto co`;
esDev`la cuota es de ciento veinte mil cuatrocientos pesos mensuales`;
esDev`el radicado de su queja es 7788 1234 5678 1234`;

// ---------------------------------------------------------------- Spanish, test
esTest`bueno la tarjeta es la ${card('es', '4667127684268466', 'double')}`;
esTest`anote ${card('es', '4563212233079245', 'pairs')} esa es mi débito`;
esTest`el número de la visa ${card('es', '4012888888881881', 'groups')}`;
esTest`tarjeta ${card('es', '5402685995289072', 'spoken')} fecha de expiración ${m('EXPIRY', 'cero nueve veintisiete')}`;
esTest`le doy los datos ${card('es', '4866661760313720', 'dashes')} código ${m('CVV', 'dos seis cinco')}`;
esTest`la tarjeta de crédito ${card('es', '5159010928159018', 'digits')}`;
esTest`el cvv es ${m('CVV', 'cuatro cero ocho')}`;
esTest`el código que está atrás de la tarjeta es ${m('CVV', 'siete siete tres')}`;
esTest`y se vence en ${m('EXPIRY', '11/26')}`;
esTest`mi número de cédula es ${m('CEDULA', 'uno cero siete cinco dos tres cuatro cuatro cinco uno')}`;
esTest`el documento ${m('CEDULA', '79.845.120')}`;
esTest`cc ${m('CEDULA', '1.144.052.367')} de cali`;
esTest`mi documento de identidad es ${m('DNI', '48291057g')}`;
esTest`el dni ${m('DNI', '70123456 k')}`;
esTest`mi nie es ${m('DNI', 'y7654321g')}`;
esTest`la curp ${m('CURP', 'lomr900101mjcprs08')}`;
esTest`mi rfc es ${m('RFC', 'lomr900101k52')}`;
esTest`el correo electrónico es ${m('EMAIL', 'ana sofia noventa arroba outlook punto com')}`;
esTest`mándelo a ${m('EMAIL', 'pedro.gomez85@gmail.com')}`;
esTest`mi mail ${m('EMAIL', 'luis arroba empresa punto com punto mx')}`;
esTest`mi número de celular ${m('PHONE', 'tres uno cinco seis siete ocho nueve cero uno dos')}`;
esTest`me puede llamar al ${m('PHONE', '55 1234 5678')}`;
esTest`el fijo es ${m('PHONE', 'cuatro cuatro cinco seis siete ocho nueve')}`;
esTest`el número para contactarme es ${m('PHONE', 'trescientos veinte cuatrocientos cincuenta y seis setenta y ocho noventa')}`;
esTest`es la ${card('es', '4396245957117778', 'pairs')} y vence en ${m('EXPIRY', 'enero del treinta')}`;
esTest`tome el número ${card('es', '4741215472803857', 'spoken')} por favor`;
esTest`${card('es', '378282246310005', 'spoken')} esa es la amex`;
esTest`mi celular es ${m('PHONE', '300-456-7890')}`;
esTest`correo ${m('EMAIL', 'soporte arroba mi empresa punto co')}`;
esTest`sí la de crédito ${card('es', '5280841485253881', 'double')}`;
// negatives
esTest`el valor total es de tres millones cuatrocientos mil pesos`;
esTest`le pago el veinte de diciembre`;
esTest`el número de orden es 9876 5432 1098 7654`;
esTest`su obligación número 5555 4444 3333 2222 está en mora`;
esTest`la guía del envío es la 77812345`;
esTest`el plazo es de treinta y seis meses`;
esTest`me llegó un cobro de ochenta y nueve mil novecientos`;
esTest`la oficina queda en la calle ochenta y cinco número doce treinta`;
esTest`el código del producto es uno dos tres cuatro cinco`;
esTest`la tasa es del dos punto cinco por ciento mensual`;
esTest`tengo cuarenta y dos años y tres hijos`;
esTest`la tarjeta termina en nueve cero dos uno`;
esTest`entre a la página banco punto com y busque pagos`;
esTest`llamé a las ocho y quince y nadie contestó`;

// ---------------------------------------------------------------- English, dev
enDev`sure my card number is ${card('en', '4853933633875002', 'spoken')}`;
enDev`it's ${card('en', '4373537990751168', 'oh')} and it expires ${m('EXPIRY', 'oh five twenty seven')}`;
enDev`the card is ${card('en', '5105105105105100', 'groups')} security code ${m('CVV', '512')}`;
enDev`okay ${card('en', '4242424242424242', 'pairs')} that's my visa`;
enDev`number is ${card('en', '6011527601895556', 'double')}`;
enDev`the three digits on the back are ${m('CVV', 'nine one two')}`;
enDev`cvv is ${m('CVV', 'four four seven')}`;
enDev`expiration date ${m('EXPIRY', '08/26')}`;
enDev`my social is ${m('SSN', '512-44-8291')}`;
enDev`social security number ${m('SSN', 'five one two four four eight two nine one')}`;
enDev`ssn ${m('SSN', '234 56 7890')}`;
enDev`my email is ${m('EMAIL', 'john dot smith at gmail dot com')}`;
enDev`send it to ${m('EMAIL', 'kelly_88@yahoo.com')}`;
enDev`email ${m('EMAIL', 'mike underscore jones at outlook dot com')}`;
enDev`you can reach me at ${m('PHONE', '(555) 123-4567')}`;
enDev`my cell is ${m('PHONE', 'five five five eight six seven five three oh nine')}`;
enDev`call me back on ${m('PHONE', '312 555 0198')}`;
enDev`my phone number is ${m('PHONE', 'two one two five five five one two three four')}`;
enDev`the card ${card('en', '4526018159083012', 'dashes')} expires ${m('EXPIRY', 'march twenty twenty six')}`;
enDev`it's a mastercard ${card('en', '5555555555554444', 'double')}`;
enDev`here it is ${card('en', '374743957551313', 'spoken')}`;
enDev`write down ${m('EMAIL', 'anna at mybusiness dot net')}`;
enDev`my home number is ${m('PHONE', '415-555-2671')}`;
// negatives
enDev`i owe about twelve hundred and fifty dollars`;
enDev`i'll pay on the fifteenth of march`;
enDev`my order number is 1234 5678 9012 3456`;
enDev`your reference number is 7 7 4 2 1`;
enDev`the balance is $3,450.00 as of today`;
enDev`i was born in nineteen eighty five`;
enDev`the last four of the card are one two three four`;
enDev`go to www dot payments dot com`;
enDev`the invoice number is 2279 1805 8887 1803`;
enDev`i can pay two hundred dollars on friday`;
enDev`that was at eleven thirty in the morning`;
enDev`i live at four fifty five main street`;

// ---------------------------------------------------------------- English, test
enTest`yes the card number ${card('en', '4532015112830366', 'spoken')}`;
enTest`it is ${card('en', '4111111111111111', 'double')}`;
enTest`card number ${card('en', '5500005555555559', 'groups')} expiry ${m('EXPIRY', '12/28')}`;
enTest`my visa is ${card('en', '4012888888881881', 'oh')}`;
enTest`let me read it ${card('en', '6011111111111117', 'pairs')}`;
enTest`the security code is ${m('CVV', 'six zero three')}`;
enTest`and the code on the back ${m('CVV', '0 9 8')}`;
enTest`it expires ${m('EXPIRY', 'eleven twenty nine')}`;
enTest`my social security is ${m('SSN', 'four two one oh seven three eight eight two')}`;
enTest`social ${m('SSN', '078-05-1120')}`;
enTest`my ssn is ${m('SSN', '345678901')}`;
enTest`email me at ${m('EMAIL', 'robert dot king seventy at hotmail dot com')}`;
enTest`it's ${m('EMAIL', 'lisa.m.chen@company.org')}`;
enTest`my email address ${m('EMAIL', 'tom at example dot co dot uk')}`;
enTest`my number is ${m('PHONE', '617-555-0142')}`;
enTest`call me at ${m('PHONE', 'eight one eight five five five oh one nine nine')}`;
enTest`my cell phone ${m('PHONE', '+1 202 555 0175')}`;
enTest`you can text ${m('PHONE', 'nine one seven double five five three two one oh')}`;
enTest`sure it's ${card('en', '4563212233079245', 'dashes')} and expires ${m('EXPIRY', 'june twenty seven')}`;
enTest`the amex is ${card('en', '378282246310005', 'oh')}`;
enTest`here is my debit card ${card('en', '5402685995289072', 'pairs')}`;
enTest`my work email is ${m('EMAIL', 'jdoe at acme corp dot com')}`;
enTest`reach me on ${m('PHONE', '(646) 555-3890')}`;
// negatives
enTest`the total due is four thousand three hundred dollars`;
enTest`i'll send the payment next tuesday`;
enTest`the order id is 9876 5432 1098 7654`;
enTest`my account has been past due since two thousand twenty two`;
enTest`the tracking number is 1Z 999 AA1 0123 4567 84`;
enTest`we spoke at three forty five yesterday`;
enTest`my card ends in four four seven one`;
enTest`check our site at www dot collections dot com`;
enTest`the case number is 3304 3483 9548 6205`;
enTest`it was about fifteen percent interest`;
enTest`i have two kids aged seven and nine`;
enTest`room four hundred and twelve on the second floor`;

export function buildPii(): PiiCase[] {
  const counters = new Map<string, number>();
  return cases.map((c) => {
    const key = `${c.language}-${c.split}`;
    const n = (counters.get(key) ?? 0) + 1;
    counters.set(key, n);
    return { id: `pii-${key}-${String(n).padStart(3, '0')}`, ...c };
  });
}
