import { describe, expect, it } from 'vitest';
import { detectPromises } from '../../../../services/analytics/collections/promise.detector.ts';
import { prepareTranscript } from '../../../../services/analytics/matching/prepared-transcript.ts';
import { transcript } from '../matching/transcript.helper.ts';
import { createBuiltInPhrases } from '../../../../services/analytics/built-in-phrases.ts';

const phrases = createBuiltInPhrases();

const WEDNESDAY_CO = {
  startedAt: '2024-03-13T15:20:00-05:00',
  language: 'es' as const,
  durationMs: 60_000,
  currency: 'COP',
};
const FRIDAY_US = {
  startedAt: '2025-01-10T14:40:00-05:00',
  language: 'en' as const,
  durationMs: 60_000,
  currency: 'USD',
};

const es = (...lines: string[]) =>
  detectPromises(phrases, prepareTranscript(transcript(...lines), 'es'), WEDNESDAY_CO);
const en = (...lines: string[]) =>
  detectPromises(phrases, prepareTranscript(transcript(...lines), 'en'), FRIDAY_US);

describe(detectPromises.name, () => {
  it('extracts amount and date from a Spanish commitment', () => {
    const r = es('a: cuándo podría pagar', 'c: el viernes le pago doscientos mil pesos');
    expect(r.promised).toBe(true);
    expect(r.primary).toMatchObject({
      kind: 'statement',
      amount: { value: 200000, currency: 'COP' },
      date: '2024-03-15',
    });
    expect(r.primary!.evidence[0]!.party).toBe('customer');
  });

  it('reads ASR-style number words and days', () => {
    expect(es('c: eh le consigno quinientos cincuenta y tres mil el quince').primary).toMatchObject({
      amount: { value: 553000 },
      date: '2024-03-15',
    });
    expect(es('c: mañana sin falta le abono un millón doscientos mil').primary).toMatchObject({
      amount: { value: 1200000 },
      date: '2024-03-14',
    });
    expect(es('c: le pago el quince de diciembre').primary!.date).toBe('2024-12-15');
    expect(es('c: a fin de mes le cancelo todo').primary!.date).toBe('2024-03-31');
  });

  it('takes amount and date from the agent proposal the customer accepts', () => {
    const r = es('a: entonces queda el compromiso por trescientos mil para el lunes', 'c: sí señorita listo');
    expect(r.primary).toMatchObject({ kind: 'acceptance', amount: { value: 300000 }, date: '2024-03-18' });
  });

  it('is not fooled by hedges, conditions, refusals or past payments', () => {
    expect(es('c: voy a ver si puedo el viernes pero no le aseguro').promised).toBe(false);
    expect(es('c: si me pagan la prima le abono algo').promised).toBe(false);
    expect(es('a: puede pagar el viernes', 'c: no imposible no tengo').promised).toBe(false);
    expect(es('c: ya pagué el lunes doscientos mil').promised).toBe(false);
    expect(es('c: nopuedo pagar nada este mes').promised).toBe(false);
  });

  it('reads a condition and a commitment through discourse fillers (o sea, pues, digamos)', () => {
    expect(es('c: si o sea me pagan la pues quincena el proximo jueves le abono 2,500 pesos').promised).toBe(
      false,
    );
    expect(es('c: bueno entonces yo le o sea hago un abono de $110.000 mañana').primary).toMatchObject({
      kind: 'statement',
      amount: { value: 110000 },
      date: '2024-03-14',
    });
  });

  it('reads no promise into a due date read out, and no condition into politeness', () => {
    expect(
      es('a: le recuerdo que su cuota es de doscientos mil y vence el viernes', 'c: ok gracias').promised,
    ).toBe(false);
    expect(en('a: your payment of one fifty is due on the fifteenth', 'c: okay').promised).toBe(false);
    expect(en('a: your payment is due on the fifteenth can you pay one fifty then', 'c: okay').promised).toBe(
      true,
    );
    expect(en('c: i will pay a hundred on friday if it is okay with you').primary).toMatchObject({
      amount: { value: 100 },
      date: '2025-01-17',
    });
    expect(en('c: if my tax refund comes in i could send three hundred').promised).toBe(false);
  });

  it('handles English amounts, weekdays and ordinals', () => {
    expect(en("c: i'll pay 150 dollars tomorrow").primary).toMatchObject({
      amount: { value: 150, currency: 'USD' },
      date: '2025-01-11',
    });
    expect(en('c: i can do fifty bucks next friday').primary).toMatchObject({
      amount: { value: 50 },
      date: '2025-01-17',
    });
    expect(en('c: okay i will make a payment of fifteen hundred on the 5th').primary).toMatchObject({
      amount: { value: 1500 },
      date: '2025-02-05',
    });
    expect(en("c: i'll try to pay something next week").promised).toBe(false);
    expect(en('c: i already paid 200 dollars yesterday').promised).toBe(false);
  });

  it('reads no promise into an agent plan answered with a greeting, nor amounts from durations', () => {
    const r = es(
      'a: le podemos ofrecer un acuerdo de pago a tres meses',
      'c: sí buenos días dígame',
      'a: tiene cuarenta y cinco días de mora y un descuento del 20 por ciento',
      'c: ajá',
    );
    expect(r.promised).toBe(false);
    // the greeting as a recognizer writes it: by sound, glued
    expect(es('a: puede pagar 300 mil el viernes', 'c: si vuenos diasdígame').promised).toBe(false);
    expect(es('a: puede pagar 300 mil el viernes', 'c: sí listo').promised).toBe(true);
    expect(es('c: tengo 7 hijos y llevo tres meses sin trabajo').promised).toBe(false);
  });

  it('needs an amount or a date, and drops a promise taken back', () => {
    expect(es('c: sí yo le pago no se preocupe').promised).toBe(false);
    expect(
      es(
        'c: el viernes le pago doscientos mil',
        'a: perfecto',
        'c: pensándolo bien mejor no no le puedo asegurar',
      ).promised,
    ).toBe(false);
    expect(
      en("c: i'll pay 200 dollars on friday", 'a: great', "c: actually wait scratch that i can't").promised,
    ).toBe(false);
  });

  it('tells a proposal accepted from a debt statement acknowledged', () => {
    expect(es('a: su saldo pendiente es de un millón doscientos mil pesos', 'c: sí ya sé').promised).toBe(
      false,
    );
    expect(es('a: le queda bien abonar 170 mil mañana', 'c: sí eso sí puedo').primary).toMatchObject({
      kind: 'acceptance',
      amount: { value: 170000 },
      date: '2024-03-14',
    });
  });

  it('answers to how much and when, across ASR segments and misheard weekdays', () => {
    expect(
      es('a: cuánto puede pagar y para cuándo', 'c: trescientos mil el bienes 15').primary,
    ).toMatchObject({
      kind: 'answer',
      amount: { value: 300000 },
      date: '2024-03-15',
    });
    expect(
      en('a: how much can you pay', 'c: i will call in and pay two hundred', 'c: fifty tomorrow').primary,
    ).toMatchObject({
      amount: { value: 250 },
      date: '2025-01-11',
    });
    expect(en("c: okay i'll put six hundred and", 'c: 75 dollars down february 21st').primary).toMatchObject({
      amount: { value: 675 },
      date: '2025-02-21',
    });
    expect(en('c: i get paid on friday and i will send you 300 dollars').primary).toMatchObject({
      amount: { value: 300 },
    });
  });

  it('reads no promise into someone else paying, a condition with any verb, a call-back or a payment read back', () => {
    // a third-person verb matches the commitment phrases through its stem: "él les paga" is the son's payment
    expect(
      es('c: mi hijo dice que la semana que viene cobra y que él les paga los trescientos').promised,
    ).toBe(false);
    expect(en("c: my husband paid 300 yesterday and he said he'd pay the rest on friday").promised).toBe(
      false,
    );
    // "el viernes se le consigna" is impersonal: the customer's own payment
    expect(es('c: el viernes se le consigna los doscientos mil').promised).toBe(true);
    // "si" + clitic + a verb other than paying or agreeing is "if", however the verb is spelled
    expect(es('c: si me ingresan la nómina el día 10, le pago los 180').promised).toBe(false);
    expect(es('c: si le hago el pago el viernes de doscientos mil').promised).toBe(true);
    expect(es('a: podría pagar 730 euros el martes', 'c: bueno si me parese bien').promised).toBe(true);
    // an agent's call-back is no payment proposal, whatever the customer answers
    expect(es('a: entonces la llamo el lunes para ver cómo le fue', 'c: está bien gracias').promised).toBe(
      false,
    );
    expect(
      es('a: 55 3412 8890 anotado le marcamos mañana si no tenemos noticias suyas', 'c: órale sí').promised,
    ).toBe(false);
    expect(
      en('a: okay yes i do see a $300 payment posted today', "c: so there's only $240 left?").promised,
    ).toBe(false);
    // "depósito" with its accent is the noun: a receipt read out is no commitment
    expect(es('c: aquí dice depósito a su cuenta dos mil trescientos pesos').promised).toBe(false);
  });

  it('takes no amount from a phone number, and reads an open date as no refusal', () => {
    const r = en(
      'c: i can do seventy-five on the 15th',
      'a: okay $75 on the 15th is this the best number to reach you at',
      "c: no use my cell it's (412) 555-0187",
    );
    expect(r.primary).toMatchObject({ amount: { value: 75 } });
    expect(
      en("c: not today but i'll pay the 184.50 i promise i just can't give you an exact date").primary,
    ).toMatchObject({ amount: { value: 184.5 }, date: null });
    expect(en('a: you could do that same $615 over three months $205 a month', 'c: okay').promised).toBe(
      false,
    );
  });

  it('reads a limit as no refusal, and no promise into a phone number given or a schedule the customer asked for', () => {
    expect(
      es(
        'c: pues eh yo le puedo consignar 200 mil el viernes. más no tengo.',
        'a: ¿entonces el viernes consigna $200.000 en bancolombia, al convenio de tuhogar?',
        'c: sí señor listo',
      ).primary,
    ).toMatchObject({ amount: { value: 200000 }, date: '2024-03-15' });
    expect(es('c: él dijo que el viernes. le doy el celular de él').promised).toBe(false);
    expect(
      es(
        'c: ok. y el próximo pago, ¿cuándo es?',
        'a: el próximo es el 15 de mayo, por $2,000 también',
        'c: ok gracias',
      ).promised,
    ).toBe(false);
  });

  it('reads no promise into paying someone else, ongoing payments, options weighed, a photo sent or a birth date', () => {
    expect(es('c: en diciembre con la extra le tengo que pagar al fontanero 300 euros').promised).toBe(false);
    expect(es('c: si yo estoy pagando como puedo, estoy abonando').promised).toBe(false);
    expect(
      es('a: de seiscientos serían doce pagos', 'c: doce de seiscientos o nueve de ochocientos mmm').promised,
    ).toBe(false);
    expect(
      es('a: si me puede mandar una foto del recibo lo buscamos', 'c: sí, se lo mando hoy mismo').promised,
    ).toBe(false);
    expect(es('a: ¿me confirma su fecha de nacimiento?', 'c: el 3 de abril del 88').promised).toBe(false);
    expect(
      en("c: let me see what's left and i'll call you. i don't wanna promise and then not do it").promised,
    ).toBe(false);
    // a commitment in a hedged reply takes no amount or date from the agent's proposal
    expect(
      es(
        'a: ¿podría ser antes de fin de mes, aunque sea unos $80.000?',
        'c: yo veo. le digo que le pago y le pago.',
      ).promised,
    ).toBe(false);
  });

  it('keeps a promise whose limits, reasons or open figures are said beside it', () => {
    expect(es('c: mañana te mando ciento veinte euros. todo no puedo, pero eso sí.').primary).toMatchObject({
      amount: { value: 120 },
      date: '2024-03-14',
    });
    expect(
      es('c: listo. en quince días le pago ciento ochenta mil, que son seguros. doscientos no me alcanzan.')
        .primary,
    ).toMatchObject({ amount: { value: 180000 } });
    expect(es('c: pues cárguelo el día 15, que es cuando tengo la nómina. los 95 euros.').promised).toBe(
      true,
    );
    expect(es('c: el 27 me pagan en el nuevo trabajo, y ese día le liquido los 6,840.').promised).toBe(true);
    expect(
      es('c: el sábado le consigno sin falta, eso sí se lo aseguro. lo que no le sé decir es cuánto.')
        .primary,
    ).toMatchObject({ date: '2024-03-16' });
    expect(
      en(
        'a: okay, so can i schedule it for the 28th?',
        'c: yeah, put me down for a hundred twenty five on the 28th.',
      ).primary,
    ).toMatchObject({ amount: { value: 125 }, date: '2024-03-28'.replace('2024-03', '2025-01') });
    // a hedge about the rest leaves the part agreed
    expect(es('c: órale, sí, el 15 le doy los ochocientos. lo de fin de mes no le aseguro.').promised).toBe(
      true,
    );
  });

  it('reads no promise into habits, payments made, receipts asked about, an agent condition or no agreement', () => {
    expect(es('c: ah bueno muchas gracias porque yo siempre pago puntual').promised).toBe(false);
    expect(es('c: no no desde diciembre no hemos pagado nada', 'a: lo llamo el viernes').promised).toBe(
      false,
    );
    expect(
      es('a: ¿qué fecha e importe pone el justificante?', 'c: lunes 9 de diciembre, 112,35 euros.').promised,
    ).toBe(false);
    expect(
      es('a: si paga antes de esa fecha evita el cargo de 99 pesos', 'c: sí está bien gracias por avisar')
        .promised,
    ).toBe(false);
    expect(
      es(
        'a: bueno don edwin queda la gestión sin compromiso entonces lo llamo la próxima semana',
        'c: bueno listo',
      ).promised,
    ).toBe(false);
    expect(en("c: if that tax refund comes in, i'll pay the whole six hundred").promised).toBe(false);
    // "¿qué tal si hace un pago…?" proposes
    expect(
      es('a: qué tal este si hace un pago de cuatro mil novecientos mañana', 'c: dale está bien').promised,
    ).toBe(true);
    // a charge the bank will make by itself, told with "parece que…", is a schedule read out; "¿le parece?" asks
    expect(
      es(
        'a: parece que el banco devolvió el recibo por un error, ya está corregido y se le cargará el día 20, de 89 mil',
        'c: vale, de acuerdo',
      ).promised,
    ).toBe(false);
    expect(
      es('a: le propongo un pago de 89 mil el día 20, ¿le parece?', 'c: vale, de acuerdo').promised,
    ).toBe(true);
  });

  it('reads no promise into a condition that leads to the payment, a promise told to someone else, an answer asked back or after a no', () => {
    expect(
      es(
        'a: ¿qué le parece un abono de trescientos mil esta quincena?',
        'c: mire, si me pagan la prima completa, porque me han descontado, entonces sí le abono los trescientos',
      ).promised,
    ).toBe(false);
    expect(
      es('c: ayer le prometí al asesor del banco que el lunes le pago la tarjeta, con ustedes no sé')
        .promised,
    ).toBe(false);
    expect(es('c: a mi hermana le debo cien mil y a ella le dije que el sábado se los doy').promised).toBe(
      false,
    );
    expect(
      es('a: serían 180 euros al mes, el primero el 10 de junio', 'c: ¿El 10 de junio, 180?').promised,
    ).toBe(false);
    expect(
      en(
        'a: would you like to make a payment today yourself?',
        "c: oh no, i'm seventy-nine, my son does that",
      ).promised,
    ).toBe(false);
    expect(
      es('a: ¿le parece si le dejo el pago de 50 mil el viernes?', 'c: sí, sí, ya entendí').promised,
    ).toBe(false);
    // the agent names the day of a call-back, or asks whether the customer is sure of taking a promise back
    expect(
      es('a: dejo la propuesta condicionada al pago de la prima y la llamamos el 16 de diciembre', 'c: listo')
        .promised,
    ).toBe(false);
    expect(
      es(
        'c: mejor no me anote nada, yo le marco la otra semana',
        'a: ¿está segura? con el pago del viernes evita otro recargo',
        'c: sí, segura',
      ).promised,
    ).toBe(false);
    expect(
      es('a: le recuerdo: mil trescientos ochenta pesos, viernes 28, en oxxo', 'c: sí, sí').promised,
    ).toBe(false);
    expect(es('c: lo más seguro es que a fin de mes le pueda dar algo').promised).toBe(false);
    // a life story: someone else paid, or deposited ("pagó", "depositaron"), is no "I pay"
    expect(
      es('c: la señora falleció el 14 de agosto y la familia me pagó el finiquito, unos 600 euros').promised,
    ).toBe(false);
    expect(es('c: yo pedí 3,000 pesos en la aplicación y me depositaron 2,400').promised).toBe(false);
    expect(es('a: ¿cuándo podría?', 'c: el viernes pago 300 mil').promised).toBe(true);
    expect(
      es('c: el casero ya me avisó, y a él le tengo que pagar el día uno sí o sí los 650 euros del piso')
        .promised,
    ).toBe(false);
    expect(
      es(
        'a: ¿cuándo lo podría abonar?',
        'c: tengo lo justo para el alquiler. a final de mes te pago la cuota, los 289',
      ).promised,
    ).toBe(true);
    expect(
      en('c: i set it up back in march, it comes out of my checking on the first of every month, $120')
        .promised,
    ).toBe(false);
    expect(
      es(
        'a: ¿y el pago inicial de ochocientos el viernes? le ayudaría bastante',
        'c: pues sí, pero no le quiero decir que sí sin preguntarle a mi esposa. déjeme platicarlo con ella',
      ).promised,
    ).toBe(false);
    // still promises
    expect(
      es('a: ¿le parece un abono de mil pesos el viernes?', 'c: sí, el viernes le abono los mil').promised,
    ).toBe(true);
    expect(
      en('a: can you do two hundred on friday?', "c: yes, i'll pay the two hundred on friday").promised,
    ).toBe(true);
  });

  it("takes the agent's figures only when the reply agrees to them", () => {
    expect(
      en(
        'a: would you like to schedule a payment today?',
        "c: i'll pay it, don't worry about it. i always pay my debts.",
      ).promised,
    ).toBe(false);
    expect(es('a: ¿puede pagar 200 mil el viernes?', 'c: sí, le pago').primary).toMatchObject({
      amount: { value: 200000 },
      date: '2024-03-15',
    });
  });

  it("reads no promise into a payment the agent says is another creditor's, a promise taken off, a relative's payment, a request to send details, a share paid for someone else, or a payment that went in", () => {
    expect(
      es(
        'c: yo tengo el crédito del carro con el banco de bogotá, ese sí lo pago el 15 de julio, son un millón doscientos',
        'a: don hernán, el pago del carro es con otra entidad, aquí con la tarjeta no quedaría ningún compromiso',
      ).promised,
    ).toBe(false);
    expect(
      en(
        'c: the only thing i pay right now is my car with santander and ill pay that friday four hundred like always',
        'a: the santander loan is separate, i cant take that payment here',
      ).promised,
    ).toBe(false);
    expect(
      en(
        "c: Okay, yeah, let's do this. I'll pay two hundred on December first.",
        'a: Okay, two hundred dollars on December first.',
        "c: Honestly... no. Take that off. I don't want to commit to something I'm going to bounce.",
      ).promised,
    ).toBe(false);
    expect(
      en('c: oh yeah my mom said she was gonna pay that for me she said friday shes sending it').promised,
    ).toBe(false);
    expect(en('c: I need to look at my budget first. Can you send me the details?').promised).toBe(false);
    expect(en('c: her car insurance went up to two hundred and ten a month, so I pay half.').promised).toBe(
      false,
    );
    expect(
      en(
        'a: Yes, I see it now. It went in Monday for $300. It should post by end of day today.',
        'c: Okay, good.',
      ).promised,
    ).toBe(false);
    expect(
      es(
        'c: Ahora mismo nos debe diciembre entero. Yo quiero pagar, no quiero problemas con el banco, pero no puedo sacar dinero de donde no hay.',
      ).promised,
    ).toBe(false);
    // a date read out and thanked for or already known, a paper read out, an option offered
    expect(
      en(
        'a: once it posts your account will be current. the next payment of $120 would be due may 3rd',
        'c: okay thanks',
      ).promised,
    ).toBe(false);
    expect(es('a: Su próxima cuota de 180.000 sería el 20 de abril.', 'c: Sí, eso ya lo sé.').promised).toBe(
      false,
    );
    expect(
      es(
        'a: Te llega hoy mismo. Y si recibes el aguinaldo, puedes pagar en OXXO con la referencia.',
        'c: Va, gracias.',
      ).promised,
    ).toBe(false);
    expect(
      es('a: ¿Me lee qué dice el ticket?', 'c: Dice abono a crédito Elektra, cuenta con terminación 4410.')
        .promised,
    ).toBe(false);
    expect(
      es('a: y si prefiere de contado le queda en 1.290.000, o sea se ahorra 250 mil', 'c: mm sí sí')
        .promised,
    ).toBe(false);
    // an offer the agent asks the customer to take is a proposal
    expect(
      es(
        'a: Le puedo ofrecer pagos de 85 mil al mes. El primero sería el 15 de marzo. ¿Le parece bien?',
        'c: Sí, está bien.',
      ).primary,
    ).toMatchObject({ kind: 'acceptance', amount: { value: 85000 }, date: '2024-03-15' });
    // still a promise: a post-dated check with a reason after it ("that's when I get my bonus")
    expect(
      en("c: Okay. I can mail you a post dated check. $500, dated the 28th. That's when I get my bonus.")
        .primary,
    ).toMatchObject({ amount: { value: 500 }, date: '2025-01-28' });
    // still a promise: the agent's reply does not disown it
    expect(en("c: I'll pay two hundred on Friday.", 'a: Perfect, two hundred on Friday.').promised).toBe(
      true,
    );
  });

  it('reads no promise into a refusal of everything, a habit, echoed figures taken back, or an "if it is that"', () => {
    expect(es('c: no, ni sesenta mil. no puedo pagar nada ahorita, de verdad.').promised).toBe(false);
    expect(es('c: cada mes le abono 400 mil al crédito del carro con bancolombia').promised).toBe(false);
    expect(en('c: i pay eighty dollars every month on the first, automatically').promised).toBe(false);
    expect(es('c: pues mire, yo consigné ese valor el lunes, los 250.000 completicos.').promised).toBe(false);
    expect(
      es(
        'a: eso es noventa euros al mes empezando el día cinco',
        'c: el cinco noventa euros',
        'a: perfecto entonces le dejo el plan dado de alta',
        'c: no no espera yo no he dicho que sí solo estaba repitiendo lo que me decías',
      ).promised,
    ).toBe(false);
    expect(
      es('c: dice que el 28. si es que me ingresan la nómina ese día pues les pago algo.').promised,
    ).toBe(false);
    expect(
      en("c: no, don't set anything. i don't want to make a promise and then not keep it.").promised,
    ).toBe(false);
  });
});
