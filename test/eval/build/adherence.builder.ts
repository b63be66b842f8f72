/**
 * adherence.jsonl: short collection calls built from hand-written phrasings (tagged by hand with the script rule
 * they satisfy or break, LABELLING.md), with rule labels computed from what was put where.
 */
import { NAMES, FILLER_TALK } from './disclosure.cases.ts';
import { NOISE, noisy, pick, rng, timeline, type Lang, type TimedSegment } from './noise.ts';
import type { Party } from '../../../models/database.ts';

type Tag = 'greeting' | 'identification' | 'verification' | 'recording' | 'debt' | 'threat' | 'farewell';
type Pool = Record<'dev' | 'test', string[]>;

const PIECES: Record<Lang, Record<Tag | 'legal' | 'agentTalk' | 'neutral' | 'customerTalk', Pool>> = {
  es: {
    greeting: {
      dev: ['buenos días', 'buenas tardes señor', 'hola muy buenas tardes'],
      test: ['buen día', 'muy buenas noches', 'hola qué tal buenas tardes'],
    },
    identification: {
      dev: ['le habla {name} de {company}', 'mi nombre es {name} de {company}'],
      test: [
        'con usted {name} del área de cobranzas de {company}',
        'me comunico de parte de {company} soy {name}',
      ],
    },
    verification: {
      dev: [
        'hablo con el señor {surname}',
        'me confirma su número de cédula por favor',
        'es usted el titular de la obligación',
      ],
      test: [
        'me podría confirmar su nombre completo',
        'me regala los últimos cuatro dígitos de su documento',
        'me comunico con la señora {surname}',
      ],
    },
    recording: {
      dev: ['le informo que esta llamada está siendo grabada', 'esta llamada es grabada por calidad'],
      test: ['le recuerdo que la llamada se graba', 'tenga en cuenta que esta conversación queda grabada'],
    },
    debt: {
      dev: [
        'le llamo porque presenta un saldo pendiente de cuatrocientos mil pesos',
        'su obligación tiene tres cuotas en mora',
        'tiene una deuda vencida con nosotros',
      ],
      test: [
        'el motivo de la llamada es el pago atrasado de su crédito',
        'registra un saldo vencido de ochocientos mil pesos',
        'quería hablarle de la factura que tiene pendiente por pagar',
      ],
    },
    threat: {
      dev: [
        'si no paga lo vamos a meter preso',
        'usted es un sinvergüenza',
        'vamos a llamar a su jefe para contarle de la deuda',
      ],
      test: [
        'le va a llegar la policía a su casa',
        'no sea tan descarado',
        'le vamos a contar a sus vecinos que usted no paga',
      ],
    },
    legal: {
      dev: ['si no llegamos a un acuerdo su caso puede pasar a cobro jurídico'],
      test: ['le recuerdo que el no pago puede afectar su historial crediticio'],
    },
    farewell: {
      dev: ['gracias por su atención que tenga buen día', 'muchas gracias hasta luego'],
      test: ['que esté muy bien feliz tarde', 'le agradezco su tiempo hasta pronto'],
    },
    agentTalk: {
      dev: ['podemos ofrecerle un acuerdo de pago en cuotas', 'cuánto podría abonar este mes'],
      test: ['le puedo dar un descuento sobre los intereses', 'qué fecha le queda mejor para el abono'],
    },
    neutral: {
      dev: ['le llamo para actualizar sus datos de contacto', 'me confirma su dirección de correspondencia'],
      test: ['quería confirmar su correo electrónico', 'me indica un teléfono alterno por favor'],
    },
    customerTalk: {
      dev: ['ahora no tengo plata', 'puedo pagar la otra semana', 'está bien'],
      test: ['no sé la verdad', 'déjeme ver', 'bueno listo'],
    },
  },
  en: {
    greeting: {
      dev: ['good morning', 'hi good afternoon', 'hello there'],
      test: ['good evening', 'hey good morning', 'hi how are you today'],
    },
    identification: {
      dev: ['my name is {name} calling from {company}', 'this is {name} with {company}'],
      test: [
        "it's {name} from the collections department at {company}",
        "i'm {name} and i'm calling on behalf of {company}",
      ],
    },
    verification: {
      dev: [
        'am i speaking with {title} {surname}',
        'can you confirm your date of birth please',
        'are you the account holder',
      ],
      test: [
        'could you verify your full name for me',
        'can you give me the last four digits of your social',
        'is this {title} {surname}',
      ],
    },
    recording: {
      dev: ['please be aware this call is being recorded', 'this call is recorded for quality'],
      test: [
        'just a reminder that this call may be recorded',
        'i need to let you know we are recording this call',
      ],
    },
    debt: {
      dev: [
        'i am calling about the past due balance of four hundred dollars',
        'your account is three payments behind',
        'you have an outstanding debt with us',
      ],
      test: [
        'the reason for my call is the overdue payment on your loan',
        'there is a delinquent balance of eight hundred dollars',
        'i wanted to talk about the unpaid invoice on your account',
      ],
    },
    threat: {
      dev: [
        "if you don't pay we'll have you arrested",
        'you are a deadbeat',
        'we are going to call your boss about this debt',
      ],
      test: [
        'the police will show up at your door',
        'stop being such a liar',
        'we will let your neighbors know you do not pay',
      ],
    },
    legal: {
      dev: ['if we cannot reach an agreement the account may be referred to an attorney'],
      test: ['not paying can affect your credit report'],
    },
    farewell: {
      dev: ['thank you for your time have a great day', 'thanks so much goodbye'],
      test: ['take care and have a nice evening', 'i appreciate your help bye now'],
    },
    agentTalk: {
      dev: ['we can offer you a payment plan', 'how much could you pay this month'],
      test: ['i can waive part of the late fees', 'which date works best for the payment'],
    },
    neutral: {
      dev: ['i am calling to update your contact details', 'can you confirm your mailing address'],
      test: ['i wanted to confirm your email address', 'do you have another phone number we can use'],
    },
    customerTalk: {
      dev: ['i do not have money right now', 'maybe next week', 'okay'],
      test: ['i am not sure', 'let me check', 'alright fine'],
    },
  },
};

export const RULES = [
  'greeting',
  'agent_identification',
  'customer_verification',
  'recording_notice',
  'debt_mention',
  'no_threats',
  'farewell',
  'verification_before_debt',
] as const;

export interface AdherenceCase {
  id: string;
  split: 'dev' | 'test';
  language: Lang;
  scriptId: string;
  startedAt: string;
  durationMs: number;
  segments: TimedSegment[];
  rules: Record<string, boolean>;
}

function fill(r: () => number, lang: Lang, t: string): string {
  const n = NAMES[lang];
  return t
    .replace('{name}', pick(r, n.name))
    .replace('{surname}', pick(r, n.surname))
    .replace('{company}', pick(r, n.company))
    .replace('{title}', pick(r, n.title));
}

export function buildAdherence(): AdherenceCase[] {
  const out: AdherenceCase[] = [];
  let seed = 5000;
  for (const lang of ['es', 'en'] as const) {
    for (let k = 0; k < 26; k++) {
      const split = k % 2 === 0 ? 'dev' : 'test';
      for (let attempt = 0; ; attempt++) {
        try {
          out.push(one(lang, k, split, rng(seed++)));
          break;
        } catch (error) {
          if (attempt > 50) throw error;
        }
      }
    }
  }
  return out;
}

function one(lang: Lang, k: number, split: 'dev' | 'test', r: () => number): AdherenceCase {
  {
    {
      const P = PIECES[lang];
      const say = (tag: keyof typeof P) => fill(r, lang, pick(r, P[tag][split]));
      const turns: { party: Party; text: string; tag?: Tag }[] = [];
      const flags = {
        greeting: r() > 0.15,
        identification: r() > 0.15,
        verification: r() > 0.2,
        recording: r() > 0.2,
        recordingLate: r() < 0.12,
        debt: r() > 0.1,
        verifyAfterDebt: r() < 0.2,
        threat: r() < 0.3,
        legal: r() < 0.25,
        farewell: r() > 0.15,
        farewellEarly: r() < 0.12,
      };
      // the long filler turns talk about the debt: only in calls that mention it anyway
      if (!flags.debt) flags.recordingLate = flags.farewellEarly = false;
      const cust = () => turns.push({ party: 'customer', text: say('customerTalk') });
      const talk = () => turns.push({ party: 'agent', text: say(flags.debt ? 'agentTalk' : 'neutral') });
      const opening: string[] = [];
      if (flags.greeting) opening.push(say('greeting'));
      if (flags.identification) opening.push(say('identification'));
      turns.push({ party: 'agent', text: opening.join(' ') || say(flags.debt ? 'agentTalk' : 'neutral') });
      const verifyTurn = () => {
        turns.push({ party: 'agent', text: say('verification'), tag: 'verification' });
        turns.push({ party: 'customer', text: lang === 'es' ? 'sí soy yo' : 'yes that is me' });
      };
      if (flags.verification && !flags.verifyAfterDebt) verifyTurn();
      if (flags.recording && !flags.recordingLate)
        turns.push({ party: 'agent', text: say('recording'), tag: 'recording' });
      if (flags.debt) {
        turns.push({ party: 'agent', text: say('debt'), tag: 'debt' });
        cust();
      }
      if (flags.verification && flags.verifyAfterDebt) verifyTurn();
      talk();
      cust();
      if (flags.legal && flags.debt) turns.push({ party: 'agent', text: say('legal') });
      if (flags.threat) {
        // a threat that names the debt is also a debt mention: keep those to calls that mention it anyway
        const options = P.threat[split].filter((t) => flags.debt || !/deuda|debt|no paga|not pay/.test(t));
        turns.push({ party: 'agent', text: fill(r, lang, pick(r, options)), tag: 'threat' });
        cust();
      }
      if (flags.recording && flags.recordingLate) {
        for (const f of FILLER_TALK[lang].slice(0, 2)) turns.push({ party: 'agent', text: f });
        turns.push({ party: 'agent', text: say('recording'), tag: 'recording' });
      }
      talk();
      cust();
      if (flags.farewell && flags.farewellEarly) {
        turns.push({ party: 'agent', text: say('farewell'), tag: 'farewell' });
        for (const f of FILLER_TALK[lang].slice(2, 4)) turns.push({ party: 'agent', text: f });
        cust();
      } else if (flags.farewell) {
        turns.push({ party: 'agent', text: say('farewell'), tag: 'farewell' });
      }
      turns.push({ party: 'customer', text: lang === 'es' ? 'bueno gracias' : 'okay bye' });
      const level = pick(r, [NOISE.low, NOISE.medium, NOISE.high]);
      const segments = timeline(
        r,
        turns.map((t) => ({ party: t.party, text: noisy(r, lang, t.text, level) })),
      );
      const durationMs = segments[segments.length - 1]!.endMs + 1500;
      const startOf = (tag: Tag): number | undefined => {
        const i = turns.findIndex((t) => t.tag === tag);
        return i >= 0 ? segments[i]!.startMs : undefined;
      };
      const first = segments[0]!.startMs;
      const within = (t: number | undefined, limit: number): boolean => {
        if (t === undefined) return false;
        if (Math.abs(t - limit) < 8000) throw new Error('too close to a window edge');
        return t <= limit;
      };
      const vi = turns.findIndex((t) => t.tag === 'verification');
      const di = turns.findIndex((t) => t.tag === 'debt');
      const fStart = startOf('farewell');
      if (fStart !== undefined && Math.abs(fStart - (durationMs - 30_000)) < 8000)
        throw new Error('farewell edge');
      const rules: Record<string, boolean> = {
        greeting: flags.greeting && first <= 20_000,
        agent_identification: flags.identification && first <= 45_000,
        customer_verification: within(startOf('verification'), 90_000),
        recording_notice: within(startOf('recording'), 30_000),
        debt_mention: di >= 0,
        no_threats: !flags.threat,
        farewell: fStart !== undefined && fStart >= durationMs - 30_000,
        verification_before_debt: di < 0 || (vi >= 0 && vi < di),
      };
      return {
        id: `adh-${lang}-${String(k + 1).padStart(3, '0')}`,
        split,
        language: lang,
        scriptId: `collections-${lang}`,
        startedAt: lang === 'es' ? '2024-03-13T10:15:00-05:00' : '2024-03-13T10:15:00-06:00',
        durationMs,
        segments,
        rules,
      };
    }
  }
}
