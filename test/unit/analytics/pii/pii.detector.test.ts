import { describe, expect, it } from 'vitest';
import { prepareTranscript } from '../../../../services/analytics/matching/prepared-transcript.ts';
import {
  curpValid,
  dniValid,
  luhnValid,
  rfcValid,
  ssnPlausible,
} from '../../../../services/analytics/pii/pii.checks.ts';
import { findDigitRuns } from '../../../../services/analytics/pii/digit-runs.ts';
import { detectPii } from '../../../../services/analytics/pii/pii.detector.ts';
import { transcript } from '../matching/transcript.helper.ts';

const spans = (lang: 'es' | 'en', ...lines: string[]) =>
  detectPii(prepareTranscript(transcript(...lines), lang)).map((s) => [s.type, s.text]);
const spansUnfinished = (lang: 'es' | 'en', ...lines: string[]) =>
  detectPii(prepareTranscript(transcript(...lines), lang), { unfinished: true }).map((s) => [s.type, s.text]);

describe(detectPii.name, () => {
  it('does not read words named like object properties as digits, months or repeats', () => {
    // "constructor" used to be found in the repeat-word table ("doble cinco" = 55) and swallowed the next digit.
    expect(
      findDigitRuns(
        prepareTranscript(transcript('c: mi numero es constructor cinco uno dos'), 'es').streams[0]!.tokens,
        'es',
      ),
    ).toEqual([{ digits: '512', start: 4, end: 7, written: false, separators: '', pieces: 3 }]);
    expect(spans('es', 'c: constructor cinco tostring valueof')).toEqual([]);
  });

  it('finds a card number read digit by digit, with "doble" and in pairs', () => {
    expect(
      spans(
        'es',
        'c: la tarjeta es cuatro cinco dos seis cero uno ocho uno cinco nueve cero ocho tres cero uno dos',
      ),
    ).toEqual([['CARD', 'cuatro cinco dos seis cero uno ocho uno cinco nueve cero ocho tres cero uno dos']]);
    expect(
      spans(
        'es',
        'c: es la cuatro doble seis uno tres uno ocho seis cero nueve uno tres nueve cero nueve cero',
      )[0]![0],
    ).toBe('CARD');
    expect(
      spans(
        'es',
        'c: cuarenta y cinco veintiséis cero uno ochenta y uno cincuenta y nueve cero ocho treinta doce',
      )[0],
    ).toEqual([
      'CARD',
      'cuarenta y cinco veintiséis cero uno ochenta y uno cincuenta y nueve cero ocho treinta doce',
    ]);
    expect(
      spans(
        'en',
        'c: sure it is four two four two four two four two four two four two four two four two',
      )[0]![0],
    ).toBe('CARD');
  });

  it('finds written card numbers with or without card words when Luhn holds', () => {
    expect(spans('en', 'c: 4111 1111 1111 1111')).toEqual([['CARD', '4111 1111 1111 1111']]);
    expect(spans('es', 'c: la visa 4512-3456-7890-1235')).toEqual([['CARD', '4512-3456-7890-1235']]);
  });

  it('does not take order numbers, amounts, dates or partial cards for PII', () => {
    expect(spans('es', 'c: su número de pedido es 4512 3456 7890 1235')).toEqual([]);
    expect(
      spans('es', 'c: le debo un millón doscientos cincuenta mil pesos desde el 15 de marzo de 2024'),
    ).toEqual([]);
    expect(spans('es', 'c: los últimos cuatro dígitos de la tarjeta son cuatro cinco dos uno')).toEqual([]);
    expect(spans('en', 'c: my order number is 1234 5678 9012 3456')).toEqual([]);
    expect(spans('en', 'c: go to www dot payments dot com')).toEqual([]);
  });

  it('finds security codes and expiry dates only in context', () => {
    expect(spans('es', 'c: vence cero cinco veintiséis y el código de seguridad es tres cuatro uno')).toEqual(
      [
        ['EXPIRY', 'cero cinco veintiséis'],
        ['CVV', 'tres cuatro uno'],
      ],
    );
    expect(
      spans('en', 'c: the three digits on the back are nine one two it expires march twenty twenty six'),
    ).toEqual([
      ['CVV', 'nine one two'],
      ['EXPIRY', 'march twenty twenty six'],
    ]);
    expect(spans('es', 'c: son tres cuatro uno personas')).toEqual([]);
  });

  it('finds identity numbers: cédula in context, DNI/NIE with check letter, CURP, RFC, SSN', () => {
    expect(spans('es', 'c: mi cédula es 1.020.345.678')).toEqual([['CEDULA', '1.020.345.678']]);
    expect(spans('es', 'c: mi dni es 12345678z')).toEqual([['DNI', '12345678z']]);
    // a letter that does not check is no DNI by its shape alone, but the eight digits said as the DNI still are
    expect(spans('es', 'c: el 12345678a')).toEqual([]);
    expect(spans('es', 'c: mi dni es 12345678a')).toEqual([['DNI', '12345678']]);
    expect(spans('es', 'c: el nie x1234567l')).toEqual([['DNI', 'x1234567l']]);
    expect(spans('es', 'c: mi curp es pegj850312hdfrrn05')).toEqual([['CURP', 'pegj850312hdfrrn05']]);
    expect(spans('es', 'c: el rfc pegj850312ab1')).toEqual([['RFC', 'pegj850312ab1']]);
    expect(spans('en', 'c: my social is five one two four four eight two nine one')).toEqual([
      ['SSN', 'five one two four four eight two nine one'],
    ]);
    expect(spans('en', 'c: it is 512-44-8291')).toEqual([['SSN', '512-44-8291']]);
  });

  it('finds written and spoken e-mail addresses', () => {
    expect(spans('es', 'c: mi correo es juan punto perez arroba gmail punto com')).toEqual([
      ['EMAIL', 'juan punto perez arroba gmail punto com'],
    ]);
    expect(spans('en', 'c: email me at robert dot king seventy at hotmail dot com')).toEqual([
      ['EMAIL', 'robert dot king seventy at hotmail dot com'],
    ]);
    expect(spans('es', 'c: escríbame a maria.lopez@hotmail.com')).toEqual([
      ['EMAIL', 'maria.lopez@hotmail.com'],
    ]);
  });

  it('finds phone numbers said as such', () => {
    expect(spans('es', 'c: mi celular es tres cero cero uno dos tres cuatro cinco seis siete')).toEqual([
      ['PHONE', 'tres cero cero uno dos tres cuatro cinco seis siete'],
    ]);
    expect(spans('en', 'c: you can reach me at (555) 123-4567')).toEqual([['PHONE', '(555) 123-4567']]);
    expect(spans('es', 'c: el contrato es el 8801234567')).toEqual([]);
  });

  it('reads the kind of number from the question it answers, and context words an ASR mangled', () => {
    expect(
      spans(
        'en',
        'a: can you verify your social security number',
        'c: yeah it is five eight eight nine seven four nine five zero',
      ),
    ).toEqual([['SSN', 'five eight eight nine seven four nine five zero']]);
    expect(spans('es', 'a: me confirma su número de cédula', 'c: sí es 93353898')).toEqual([
      ['CEDULA', '93353898'],
    ]);
    expect(spans('es', 'c: si pues micelular es el 3179621065')).toEqual([['PHONE', '3179621065']]);
    expect(spans('es', 'c: mi telefoono es 81 1647 9558')).toEqual([['PHONE', '81 1647 9558']]);
    expect(spans('en', 'c: sure my socialis 512 44 8291')).toEqual([['SSN', '512 44 8291']]);
    // "cédula" written as its near homophone "célula(s)" by Whisper over a phone line (real ASR in the loop)
    expect(
      spans('es', 'a: Me confirma su número de células por favor.', 'c: claro, es la 1.018.847'),
    ).toEqual([['CEDULA', '1.018.847']]);
    expect(spans('es', 'c: mi celulares 3001234567')).toEqual([['PHONE', '3001234567']]);
  });

  it('finds a number read back, a short answer to a code or expiry question, a phone named after it, a DNI letter spelled', () => {
    expect(
      spans('es', 'c: el radicado es 654 32 19 87.', 'a: 654 32 19 87. grabado. ¿y las facturas?').map(
        ([t]) => t,
      ),
    ).toEqual([]); // a reference number, not sensitive: nothing to read back
    expect(
      spans('es', 'c: es mi celular el 654 32 19 87.', 'a: 654 32 19 87. grabado. ¿y las facturas?'),
    ).toEqual([
      ['PHONE', '654 32 19 87'],
      ['PHONE', '654 32 19 87'],
    ]);
    expect(spans('es', 'a: ¿fecha de vencimiento?', 'c: cero ocho, veintiocho.')).toEqual([
      ['EXPIRY', 'cero ocho, veintiocho'],
    ]);
    expect(spans('en', 'a: got it. and the security code?', 'c: five five one eight.')).toEqual([
      ['CVV', 'five five one eight'],
    ]);
    // an amount answering another question stays readable
    expect(spans('es', 'a: ¿cuánto puede pagar?', 'c: cuatrocientos mil')).toEqual([]);
    expect(spans('es', 'c: al 55 3412 8890, es mi celular')).toEqual([['PHONE', '55 3412 8890']]);
    expect(spans('en', "c: it's 614-555-0139.")).toEqual([['PHONE', '614-555-0139']]);
    expect(
      spans(
        'es',
        'a: necesito que me confirme su dni',
        'c: es el cero, siete, seis, cinco…',
        'c: …dos, tres, uno, cuatro, efe.',
      ),
    ).toEqual([
      ['DNI', 'cero, siete, seis, cinco'],
      ['DNI', 'dos, tres, uno, cuatro, efe'],
    ]);
  });

  it('hides a card or social security number a recognizer heard with digits dropped or added (real ASR in the loop)', () => {
    expect(
      spans('en', 'a: can you verify your social security number?', 'c: sure, my social is 12786,553.'),
    ).toEqual([['SSN', '12786,553']]);
    expect(spans('en', 'c: okay my card is 8-3-1-3-1-7-2-4')).toEqual([['CARD', '8-3-1-3-1-7-2-4']]);
    // an amount said near the card stays readable
    expect(spans('en', 'c: put $400 on the card')).toEqual([]);
  });

  it('reads the kind of a number from the question, not from what will be sent to it', () => {
    expect(
      spans(
        'es',
        'a: ¿a qué número le mando la referencia?',
        'c: al cincuenta y cinco dos ocho',
        'c: cuarenta y uno noventa y seis cero tres',
      ).map(([t]) => t),
    ).toEqual(['PHONE', 'PHONE']);
    expect(
      spans(
        'es',
        'a: ¿a qué nequi le mando la llave?',
        'c: tres uno tres cinco cero siete nueve dos seis uno',
      ),
    ).toEqual([['PHONE', 'tres uno tres cinco cero siete nueve dos seis uno']]);
  });

  it('keeps a balance said after a question about an ID readable, and finds an e-mail with its domain written', () => {
    expect(
      spans(
        'es',
        'c: sí, mi cédula es 43.512.876 y debo como 950.000, ¿cierto?',
        'a: déjeme confirmo... sí, señora, el saldo exacto es 953.400, con dos cuotas vencidas.',
      ),
    ).toEqual([['CEDULA', '43.512.876']]);
    expect(
      spans(
        'es',
        'a: ¿a qué correo le mando el estado de cuenta?',
        'c: a rodrigo punto serrano arroba gmail.com',
      ),
    ).toEqual([['EMAIL', 'rodrigo punto serrano arroba gmail.com']]);
    expect(spans('en', 'c: i am at work, call me')).toEqual([]);
  });

  it('joins a number read in pieces while the other party only says "uh huh" or "take your time"', () => {
    expect(
      spans(
        'en',
        'a: and the card number please?',
        'c: okay. 4532...',
        'a: take your time.',
        'c: 3422 8383...',
        'a: uh-huh.',
        'c: 9590.',
      ).map(([t]) => t),
    ).toEqual(['CARD', 'CARD', 'CARD']);
    // a real turn of the other party keeps the pieces apart: 4532 is no card on its own
    expect(
      spans('en', 'c: okay. 4532...', 'a: your balance is three hundred dollars', 'c: 3422 8383 9590.'),
    ).toEqual([]);
    expect(spans('en', 'a: and the four digit code on the front of the card?', 'c: 2284.')).toEqual([
      ['CVV', '2284'],
    ]);
  });

  it('reads "in case" as no case number', () => {
    expect(
      spans(
        'en',
        "a: and a phone number in case the payment doesn't go through?",
        'c: two one five, six oh nine, forty-four eighteen.',
      ),
    ).toEqual([['PHONE', 'two one five, six oh nine, forty-four eighteen']]);
    expect(spans('en', 'c: the case number is 4532015123456789')).toEqual([]);
  });

  it('reads no DNI letter into the "y" that goes on with the sentence', () => {
    expect(spans('es', 'c: es 31.456.209 y yo debo como 1.800.000')).toEqual([]);
    expect(spans('es', 'c: mi dni es 12345678 z')).toEqual([['DNI', '12345678 z']]);
  });

  it('keeps an amount owed about readable, and finds a NIE read out, an expiry answered, a corrected cédula', () => {
    expect(
      spans(
        'es',
        'a: me confirma su número de cédula',
        'c: sí, es 31.456.209 y yo debo como 1.800.000, ¿cierto?',
      ),
    ).toEqual([['CEDULA', '31.456.209']]);
    expect(spans('es', 'c: sí, equis, cuatro ocho dos siete uno seis tres, ese.').map(([t]) => t)).toEqual([
      'DNI',
    ]);
    expect(
      spans('es', 'a: ¿y la fecha de vencimiento de la tarjeta?', 'c: octubre del veintisiete.'),
    ).toEqual([['EXPIRY', 'octubre del veintisiete']]);
    expect(
      spans(
        'es',
        'a: me confirma su número de cédula',
        'c: si claro es el mil diez doscientos cuarenta y cinco no perdon doscientos cuarenta y seis trescientos ochenta y uno',
      ).map(([t]) => t),
    ).toEqual(['CEDULA']);
  });

  it('hides a number its context calls sensitive before it is whole only while the call is still being said', () => {
    const said = ['a: me dicta el número de la tarjeta', 'c: cuatro cinco tres dos cero uno'] as const;
    expect(spans('es', ...said)).toEqual([]);
    expect(spansUnfinished('es', ...said)).toEqual([['CARD', 'cuatro cinco tres dos cero uno']]);
    expect(spansUnfinished('es', 'c: le pago 350 mil el viernes con la tarjeta')).toEqual([]);
  });

  it('leaves amounts readable even right after a question about a number', () => {
    expect(spans('es', 'a: me confirma su número de cédula', 'c: 1.200.000 pesos es lo que debo')).toEqual(
      [],
    );
    expect(spans('en', 'a: what is your phone number', 'c: I owe $1,845,300 already')).toEqual([]);
  });

  it('keeps an amount owed readable beside an ID number, never a card after a verb of paying', () => {
    expect(spans('es', 'c: sí mire mi cédula es 52.331.908 y debo 1.200.000')).toEqual([
      ['CEDULA', '52.331.908'],
    ]);
    expect(spans('en', 'c: my card is 4526 0181 5908 3012 and i owe 4111234567890127')).toEqual([
      ['CARD', '4526 0181 5908 3012'],
      ['CARD', '4111234567890127'],
    ]);
  });

  it('maps a number read across two segments to one span per segment with times inside each', () => {
    const t = transcript(
      'c: la tarjeta es cuatro cinco dos seis cero uno ocho uno',
      'c: cinco nueve cero ocho tres cero uno dos',
    );
    const found = detectPii(prepareTranscript(t, 'es'));
    expect(found.map((s) => [s.type, s.segmentIndex])).toEqual([
      ['CARD', 0],
      ['CARD', 1],
    ]);
    expect(found[0]!.startMs).toBeGreaterThan(t[0]!.startMs);
    expect(found[0]!.endMs).toBeLessThanOrEqual(t[0]!.endMs);
    expect(found[1]!.startMs).toBe(t[1]!.startMs);
  });
});

describe('numbers read the way callers read them', () => {
  it('takes back the group a reader corrects, or the whole number when they start over', () => {
    expect(
      spans(
        'es',
        'a: Lo dejamos con cargo a su tarjeta ese día. ¿Me indica el número?',
        'c: Vale. Es cuatro cinco tres dos, uno siete ocho cero… no, perdón, uno siete ocho nueve, cero dos seis cuatro, uno cero cero tres.',
      ),
    ).toEqual([
      [
        'CARD',
        'cuatro cinco tres dos, uno siete ocho cero… no, perdón, uno siete ocho nueve, cero dos seis cuatro, uno cero cero tres',
      ],
    ]);
    const runs = findDigitRuns(
      prepareTranscript(
        transcript(
          'c: Treinta y dos, cuatrocientos... no, perdón, treinta y dos, cuatrocientos cinco, setecientos diez',
        ),
        'es',
      ).streams[0]!.tokens,
      'es',
    );
    expect(runs.map((r) => r.digits)).toEqual(['32405710']);
    // no pause written: only the last piece is taken back
    expect(
      findDigitRuns(
        prepareTranscript(transcript('c: tres uno cinco cuatro no perdón cinco dos'), 'es').streams[0]!
          .tokens,
        'es',
      ).map((r) => r.digits),
    ).toEqual(['31552']);
  });

  it('answers a request a few turns back that is still waiting, and not one already answered', () => {
    const asked = [
      'a: Para radicar, ¿me confirma su cédula?',
      'c: ¿Y eso para qué? ¿Me van a reportar?',
      'a: No, señor, es para radicar el reclamo a su nombre.',
    ];
    expect(spans('es', ...asked, 'c: Ah, bueno. 1.077. 432. 918.')).toEqual([['CEDULA', '1.077. 432. 918']]);
    expect(
      spans(
        'es',
        ...asked.slice(0, 1),
        'c: Sí, 52.331.908.',
        ...asked.slice(1),
        'c: Ah, bueno. 1.077. 432. 918.',
      ),
    ).toEqual([['CEDULA', '52.331.908']]);
  });

  it('takes a number read digit by digit anywhere in the reply to the question before it', () => {
    expect(
      spans(
        'en',
        'a: Thank you, Mr. Pham. And the last four of your social?',
        "c: Just the last four? It's 8172. Actually, here, take the whole thing so you get the right guy, there's a lot of Phams. 5, 0, 9, 3, 3, 8, 1, 7, 2.",
      ),
    ).toEqual([['SSN', '5, 0, 9, 3, 3, 8, 1, 7, 2']]);
  });

  it('reads a number as the answer to the question just before it, inside a stream a short turn did not break', () => {
    expect(
      spans(
        'en',
        'a: Let me read that back. Five one eight seven, four five one five, six one two eight, four one eight two.',
        'c: Correct.',
        'a: Expiration?',
        'c: Oh six thirty. And the code is seven oh four.',
      ),
    ).toEqual([
      ['CARD', 'Five one eight seven, four five one five, six one two eight, four one eight two'],
      ['EXPIRY', 'Oh six thirty'],
      ['CVV', 'seven oh four'],
    ]);
  });

  it("finds a card's last group after an aside, and a CURP written across two segments", () => {
    expect(
      spans('en', "c: Sure. It's a Mastercard. 5291 4477 3018…", "c: …sorry, the dog's barking. 5006."),
    ).toEqual([
      ['CARD', '5291 4477 3018'],
      ['CARD', '5006'],
    ]);
    expect(spans('es', 'a: ¿Me da su CURP, por favor?', 'c: Sí, es GOMA850312', 'c: HDFRRN04.')).toEqual([
      ['CURP', 'GOMA850312'],
      ['CURP', 'HDFRRN04'],
    ]);
  });

  it('knows phone numbers by their written groups and by the line they belong to, and leaves account numbers', () => {
    expect(spans('es', 'c: es el 55 2748 9913 se llama javier arreola')).toEqual([['PHONE', '55 2748 9913']]);
    expect(spans('es', 'a: Le llamo por un recibo de 67,30 euros de la línea 655 43 21 09.')).toEqual([
      ['PHONE', '655 43 21 09'],
    ]);
    expect(spans('es', 'c: El número de la transacción es 3301 8872 4519, y dice convenio 110452.')).toEqual(
      [],
    );
    expect(spans('es', 'c: El número de money order es 20-554-918-337.')).toEqual([]);
  });
});

describe('numbers dictated over several turns', () => {
  it('joins the pieces a listener repeats back, and hides the echoes as the same number', () => {
    expect(
      spans(
        'es',
        'a: Para hablarle de la cuenta, ¿me confirma su número de cédula?',
        'c: Ah, listo. Es uno cero tres dos...',
        'a: Uno cero tres dos, sí.',
        'c: Seiscientos cuarenta y uno...',
        'a: ¿Seis cuatro uno?',
        'c: Y termina en doscientos ochenta y siete. Eso es todo.',
      ),
    ).toEqual([
      ['CEDULA', 'uno cero tres dos'],
      ['CEDULA', 'Uno cero tres dos'],
      ['CEDULA', 'Seiscientos cuarenta y uno'],
      ['CEDULA', 'Seis cuatro uno'],
      // the words the last piece opens with go with it
      ['CEDULA', 'Y termina en doscientos ochenta y siete'],
    ]);
    // an agent repeating an amount is no echo of a sensitive number
    expect(
      spans(
        'es',
        'c: Le puedo dar doscientos mil',
        'a: Doscientos mil, perfecto.',
        'c: Y el resto el quince.',
      ),
    ).toEqual([]);
  });

  it('finds a CURP spelled over a dictation, its letters repeated back and confirmed, and hides every piece', () => {
    expect(
      spans(
        'es',
        'a: Señor Alejandro, para validar su identidad le voy a pedir su CURP, por favor.',
        'c: Ah, a ver, déjeme saco la credencial... Es G O M A...',
        'a: G O M A, ajá.',
        'c: ocho cinco cero tres uno dos...',
        'a: Ocho cinco cero tres uno dos.',
        'c: H D F M R L...',
        'a: ¿Eme, erre, ele?',
        'c: Sí, eme de mamá, erre de ratón, ele de luna. Y al final cero cinco.',
      ).map(([type]) => type),
    ).toEqual(['CURP', 'CURP', 'CURP', 'CURP', 'CURP', 'CURP', 'CURP']);
    // letters said as words that are not an identifier stay
    expect(spans('es', 'c: sí, es la de mi casa y la o la ene no las sé')).toEqual([]);
  });

  it('reads "i griega" as a NIE\'s Y, and "what\'s the number?" as a request for a phone', () => {
    expect(spans('es', 'c: I griega, cuatro cinco cero, dos dos ocho siete, eme.').map(([t]) => t)).toEqual([
      'DNI',
    ]);
    expect(
      spans(
        'en',
        'c: Can somebody call me back?',
        "a: Sure. What's the number?",
        'c: Five one two, eight two seven, three nine five one.',
      ),
    ).toEqual([['PHONE', 'Five one two, eight two seven, three nine five one']]);
  });

  it('finds an e-mail address dictated over turns, its words repeated back', () => {
    expect(
      spans(
        'en',
        'a: Can I get your email address?',
        "c: Sure. It's d marsh dot ortega...",
        'a: D marsh dot ortega...',
        'c: at gmail dot com.',
      ).map(([t]) => t),
    ).toEqual(['EMAIL', 'EMAIL', 'EMAIL']);
    // words repeated back that make no address stay
    expect(spans('en', "c: I'll pay two hundred on Friday.", 'a: Two hundred on Friday.', 'c: Yes.')).toEqual(
      [],
    );
  });

  it('joins a card read around an aside, hides an echo that opens a longer turn, and never an amount echoed', () => {
    expect(
      spans(
        'en',
        "a: What's the card number?",
        "c: It's three seven eight two, three five seven... hang on, the light's bad in here... seven three one, eight seven seven six six.",
      ).map(([t]) => t),
    ).toEqual(['CARD', 'CARD']);
    expect(
      spans(
        'es',
        'a: ¿Me da el número de la tarjeta?',
        'c: Es cinco dos cuatro uno, seis ocho uno tres, ocho cinco ocho tres, nueve cero nueve dos.',
        'a: Nueve cero nueve dos. Le confirmo el cobro para el viernes.',
      ).map(([t, text]) => `${t} ${text}`),
    ).toEqual([
      'CARD cinco dos cuatro uno, seis ocho uno tres, ocho cinco ocho tres, nueve cero nueve dos',
      'CARD Nueve cero nueve dos',
    ]);
    expect(
      spans(
        'es',
        'a: ¿Me da el número de la tarjeta?',
        'c: 5291 4477 3018 5006. Y debo 95, ¿verdad?',
        'a: Correcto, solo 95. ¿La fecha de caducidad?',
      ),
    ).toEqual([['CARD', '5291 4477 3018 5006']]);
  });

  it('hides a part corrected right after, a NIE dictated with its letters, and the read-back after the last piece', () => {
    expect(
      spans(
        'en',
        'a: And your Social Security number?',
        "c: Sure, it's three one eight, four two, seven seven five six. Sorry, no, the end is seven seven six five.",
      ).map(([t]) => t),
    ).toEqual(['SSN', 'SSN']);
    expect(
      spans(
        'es',
        'a: ¿Me confirma su NIE?',
        'c: Sí, a ver, es equis, siete siete dos...',
        'a: Equis, siete siete dos...',
        'c: siete uno uno cuatro.',
        'a: Siete uno uno cuatro, ¿y la letra?',
        'c: Be de Barcelona.',
      ).map(([t]) => t),
    ).toEqual(['DNI', 'DNI', 'DNI', 'DNI', 'DNI']);
    expect(
      spans(
        'es',
        'a: ¿Me confirma su cédula?',
        'c: Dieciséis...',
        'a: Dieciséis...',
        'c: setecientos cuarenta y cinco...',
        'a: setecientos cuarenta y cinco...',
        'c: trescientos dos.',
        'a: Dieciséis millones setecientos cuarenta y cinco mil trescientos dos. Correcto, gracias.',
      ).map(([t]) => t),
    ).toEqual(['CEDULA', 'CEDULA', 'CEDULA', 'CEDULA', 'CEDULA', 'CEDULA']);
    // a round figure said with a scale word is money, whatever was said before it
    expect(
      spans(
        'es',
        'c: Eso se lo puedo pagar el domingo por Nequi.',
        'a: ¿Un millón doscientos mil el domingo?',
      ),
    ).toEqual([]);
  });

  it('takes back a piece after a longer self-correction', () => {
    expect(
      findDigitRuns(
        prepareTranscript(
          transcript('c: Ocho dos siete, seis... ay, no, espere, se me fue. Seis, uno, cinco.'),
          'es',
        ).streams[0]!.tokens,
        'es',
      ).map((r) => r.digits),
    ).toEqual(['827615']);
  });

  it('leaves reference codes, amounts written with a scale word and loan numbers readable', () => {
    expect(
      spans('es', 'c: Por Nequi.', 'a: Queda registrado su compromiso: 250 mil el viernes 15 de agosto.'),
    ).toEqual([]);
    expect(spans('es', 'a: Es la INC-4471829. Ha quedado grabada en el sistema.')).toEqual([]);
    expect(spans('es', 'a: Puede pagar con el número del crédito, el 2200418756.')).toEqual([]);
    expect(spans('es', 'a: Como concepto ponga el número de expediente, el 2025-114873.')).toEqual([]);
  });

  it('hides an echo that opens a turn holding the read-back, and pieces of a number said again near it', () => {
    expect(
      spans(
        'en',
        'c: Card is four nine one six, two two eight one, seven three zero five, six four two eight.',
        'a: Six four two eight. Let me read it back: 4916 2281 7305 6428?',
      ),
    ).toEqual([
      ['CARD', 'four nine one six, two two eight one, seven three zero five, six four two eight'],
      ['CARD', 'Six four two eight'],
      ['CARD', '4916 2281 7305 6428'],
    ]);
    // the listener repeats the start of a DNI said with an amount after it, the reader goes on from there
    expect(
      spans(
        'es',
        'c: Mi DNI es el 48213977C y lo que me reclaman son 312 euros.',
        'a: ¿Cuarenta y ocho, veintiuno…?',
        'c: Tres nueve siete siete, ce.',
        'a: Gracias. Son trescientos doce euros, sí.',
      ),
    ).toEqual([
      ['DNI', '48213977C'],
      ['DNI', 'Cuarenta y ocho, veintiuno'],
      ['DNI', 'Tres nueve siete siete'],
    ]);
    // an amount said as one number near the identity stays readable
    expect(
      spans(
        'es',
        'c: Mi DNI es el 48213977C.',
        'a: Gracias. Le constan cuatro mil ochocientos veintiuno euros.',
      ),
    ).toEqual([['DNI', '48213977C']]);
  });

  it("finds a DNI's letter said in a turn of its own, and a phone asked for as a number to reach someone", () => {
    expect(
      spans(
        'es',
        'a: ¿Me da su DNI?',
        'c: Setenta y dos, cuarenta, dieciocho, sesenta y uno.',
        'a: ¿Y la letra?',
        'c: Te. Te de Toledo.',
        'a: Perfecto.',
      ),
    ).toEqual([
      ['DNI', 'Setenta y dos, cuarenta, dieciocho, sesenta y uno'],
      ['DNI', 'Te. Te de Toledo'],
    ]);
    // no DNI read before: a letter is only a letter
    expect(spans('es', 'a: ¿Y la letra del piso?', 'c: Be de Barcelona.')).toEqual([]);
    expect(
      spans(
        'es',
        'a: me da un numero donde lo pueda localizar',
        'c: si es el treinta y tres dieciocho cuarenta',
        'a: treinta y tres dieciocho cuarenta',
        'c: veintidos noventa y uno',
      ),
    ).toEqual([
      ['PHONE', 'treinta y tres dieciocho cuarenta'],
      ['PHONE', 'treinta y tres dieciocho cuarenta'],
      ['PHONE', 'veintidos noventa y uno'],
    ]);
  });

  it("finds a NIE whose letter comes in a turn of its own, the letter's echo, a Mexican number in 3-3-2-2 groups, and 'a good number'", () => {
    expect(
      spans(
        'es',
        'a: ¿Me confirma su NIE?',
        'c: Sí, equis, tres cinco ocho uno dos cuatro siete.',
        'a: Equis, tres cinco ocho uno dos cuatro siete. ¿Y la letra?',
        'c: Ele.',
        'a: Ele, perfecto. Le llamo por una deuda de 320 euros con Telefonía Sur.',
      ),
    ).toEqual([
      ['DNI', 'equis, tres cinco ocho uno dos cuatro siete'],
      ['DNI', 'tres cinco ocho uno dos cuatro siete'],
      ['DNI', 'Ele'],
      ['DNI', 'Ele'],
    ]);
    expect(spans('es', 'c: Cambié de número, le doy el nuevo: 442 318 07 65.')).toEqual([
      ['PHONE', '442 318 07 65'],
    ]);
    expect(
      spans(
        'en',
        "a: what's a good number to send the reminder to?",
        'c: three one two',
        'a: three one two',
        'c: four four seven, nine nine zero one',
      ),
    ).toEqual([
      ['PHONE', 'three one two'],
      ['PHONE', 'three one two'],
      ['PHONE', 'four four seven, nine nine zero one'],
    ]);
  });

  it('reads a lone "M" as the letter it is, not a hum', () => {
    expect(
      spans('es', 'a: ¿Me da su NIE?', 'c: Sí, claro: Y, cuatro, ocho, dos, nueve, uno, seis, tres, M.'),
    ).toEqual([['DNI', 'Y, cuatro, ocho, dos, nueve, uno, seis, tres, M']]);
  });

  it('hides the pieces of a CURP spelled near its read-back, and no amount', () => {
    expect(
      spans(
        'es',
        'c: Sí, es O I R G...',
        'a: O I R G...',
        'c: 85 03 12...',
        'a: 85 03 12...',
        'c: M D F R M D...',
        'a: Perfecto, OIRG850312MDFRMD09. Su saldo es 8,503 pesos.',
      ),
    ).toEqual([
      ['CURP', 'O I R G'],
      ['CURP', 'O I R G'],
      ['CURP', '85 03 12'],
      ['CURP', '85 03 12'],
      ['CURP', 'M D F R M D'],
      ['CURP', 'OIRG850312MDFRMD09'],
    ]);
  });

  it('finds the start of an e-mail spelled in the turns before its domain, and its echo', () => {
    expect(
      spans(
        'es',
        'a: me dice su correo',
        'c: si es ele de lima u ce i a',
        'a: ele u ce i a',
        'c: noventa arroba gmail punto com',
        'a: perfecto, le mando el acuerdo de 200 euros',
      ),
    ).toEqual([
      ['EMAIL', 'ele de lima u ce i a'],
      ['EMAIL', 'ele u ce i a'],
      ['EMAIL', 'noventa arroba gmail punto com'],
    ]);
  });

  it('finds an e-mail spelled letter by letter, in English and with Spanish letter names', () => {
    const emails = (lang: 'es' | 'en', line: string) =>
      detectPii(prepareTranscript(transcript(line), lang)).map((s) => [s.type, s.text, s.value]);
    expect(emails('en', 'c: sure, it s j-o-r-d-a-n dot price at outlook dot com')).toEqual([
      ['EMAIL', 'j-o-r-d-a-n dot price at outlook dot com', 'jordan.price@outlook.com'],
    ]);
    expect(emails('en', "c: It's K dot Walsh, W-A-L-S-H, at yahoo dot com.")).toEqual([
      ['EMAIL', 'K dot Walsh, W-A-L-S-H, at yahoo dot com', 'k.walsh@yahoo.com'],
    ]);
    expect(emails('es', 'c: Es jota, o, ese, e, arroba gmail punto com.')).toEqual([
      ['EMAIL', 'jota, o, ese, e, arroba gmail punto com', 'jose@gmail.com'],
    ]);
  });
});

describe('identifier checks', () => {
  it('validates Luhn, DNI letters, CURP and RFC shapes and SSN ranges', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(dniValid('12345678Z')).toBe(true);
    expect(dniValid('Y7654321G')).toBe(true);
    expect(curpValid('PEGJ851312HDFRRN05')).toBe(false);
    expect(rfcValid('PEGJ850312AB1')).toBe(true);
    expect(ssnPlausible('666123456')).toBe(false);
    expect(ssnPlausible('512448291')).toBe(true);
  });
});
