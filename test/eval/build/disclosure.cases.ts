/**
 * Hand-written phrasings for disclosure.jsonl, tagged by hand with the elements they express (LABELLING.md).
 * Dev and test draw from disjoint pools.
 */
import type { Lang } from './noise.ts';
import type { Party } from '../../../models/database.ts';

export type Element =
  | 'recorded'
  | 'purpose'
  | 'right_to_object'
  | 'data_treatment'
  | 'privacy_notice'
  | 'attempt_to_collect'
  | 'debt_collector';

export interface Piece {
  text: string;
  tags: Element[];
}

type Pools = Record<'dev' | 'test', Piece[]>;

const p = (text: string, ...tags: Element[]): Piece => ({ text, tags });

export const ELEMENT_PIECES: Record<Lang, Pools> = {
  es: {
    dev: [
      p('le informo que esta llamada está siendo grabada', 'recorded'),
      p('le recuerdo que la conversación queda grabada', 'recorded'),
      p('le comento que estamos grabando esta llamada', 'recorded'),
      p('la presente comunicación está siendo grabada y monitoreada', 'recorded'),
      p('esta llamada será grabada por calidad y seguridad', 'recorded', 'purpose'),
      p('para su seguridad y control de calidad esta llamada se graba', 'recorded', 'purpose'),
      p('le informo que esta llamada es grabada con fines de calidad y capacitación', 'recorded', 'purpose'),
      p('la grabación se utiliza para verificar los acuerdos que hagamos', 'purpose'),
      p('sus datos se usan únicamente para la gestión de su cuenta', 'purpose'),
      p('si no desea que la llamada sea grabada me lo puede indicar', 'right_to_object'),
      p('usted puede oponerse a la grabación en cualquier momento', 'right_to_object'),
      p('puede ejercer sus derechos de acceso rectificación y cancelación de sus datos', 'right_to_object'),
      p(
        'sus datos personales serán tratados conforme a la ley mil quinientos ochenta y uno de dos mil doce',
        'data_treatment',
      ),
      p('todo de acuerdo con nuestra política de tratamiento de datos personales', 'data_treatment'),
      p(
        'en cumplimiento de la ley de protección de datos personales su información será tratada de forma confidencial',
        'data_treatment',
      ),
      p('puede consultar nuestro aviso de privacidad en nuestra página de internet', 'privacy_notice'),
      p('sus datos están protegidos conforme a nuestro aviso de privacidad', 'privacy_notice'),
      p('el aviso de privacidad integral lo encuentra en nuestra página web', 'privacy_notice'),
      p(
        'este es un intento de cobrar una deuda y cualquier información obtenida será utilizada para ese propósito',
        'attempt_to_collect',
      ),
      p(
        'esta llamada es un intento de cobro de una deuda y la información que obtengamos se usará con ese fin',
        'attempt_to_collect',
      ),
      p('esta comunicación proviene de un cobrador de deudas', 'debt_collector'),
      p('le recuerdo que soy un cobrador de deudas', 'debt_collector'),
      p(
        'esta es una comunicación de un cobrador de deudas y es un intento de cobrar una deuda',
        'debt_collector',
        'attempt_to_collect',
      ),
    ],
    test: [
      p('le aviso que esta conversación está siendo grabada', 'recorded'),
      p('tenga en cuenta que vamos a grabar la llamada', 'recorded'),
      p('la llamada queda registrada en una grabación', 'recorded'),
      p('le informamos que la llamada se está grabando', 'recorded'),
      p('por calidad del servicio esta llamada podrá ser grabada', 'recorded', 'purpose'),
      p('esta llamada es grabada y monitoreada para fines de calidad', 'recorded', 'purpose'),
      p(
        'para efectos de seguridad y respaldo de los acuerdos la llamada se está grabando',
        'recorded',
        'purpose',
      ),
      p('la grabación sirve como soporte de lo que acordemos', 'purpose'),
      p('sus datos se tratan solo para la gestión de cobro de su obligación', 'purpose'),
      p('si no está de acuerdo con la grabación puede manifestarlo', 'right_to_object'),
      p('tiene derecho a oponerse al tratamiento de sus datos', 'right_to_object'),
      p('puede solicitar la supresión o rectificación de sus datos cuando quiera', 'right_to_object'),
      p('sus datos serán tratados según la ley de habeas data', 'data_treatment'),
      p(
        'en cumplimiento de la ley 1581 de 2012 le informamos que sus datos personales serán protegidos',
        'data_treatment',
      ),
      p('conforme a nuestra política de tratamiento de información personal', 'data_treatment'),
      p('le informo que nuestro aviso de privacidad está disponible en el sitio web', 'privacy_notice'),
      p('todo conforme al aviso de privacidad que puede consultar en sucursales', 'privacy_notice'),
      p('para más información revise nuestro aviso de privacidad', 'privacy_notice'),
      p(
        'le informo que esto es un intento de cobro de deuda y toda información obtenida se utilizará para dicho fin',
        'attempt_to_collect',
      ),
      p('se trata de un intento para cobrar una deuda', 'attempt_to_collect'),
      p('esta llamada es de un cobrador de deudas', 'debt_collector'),
      p('somos un cobrador de deudas', 'debt_collector'),
    ],
  },
  en: {
    dev: [
      p('please be aware this call is being recorded', 'recorded'),
      p('just so you know this call is recorded', 'recorded'),
      p('this conversation may be recorded', 'recorded'),
      p('this call may be monitored or recorded for quality assurance', 'recorded', 'purpose'),
      p('calls are recorded for training and quality purposes', 'recorded', 'purpose'),
      p('this call is recorded for your protection and ours', 'recorded', 'purpose'),
      p('the recording is kept as a record of any agreement we make', 'purpose'),
      p('your information is used only to manage your account', 'purpose'),
      p('if you do not want to be recorded just let me know', 'right_to_object'),
      p('you have the right to object to the recording', 'right_to_object'),
      p('you can ask us to access or delete your personal data at any time', 'right_to_object'),
      p(
        'this is an attempt to collect a debt and any information obtained will be used for that purpose',
        'attempt_to_collect',
      ),
      p('this call is an attempt to collect a debt', 'attempt_to_collect'),
      p('this communication is from a debt collector', 'debt_collector'),
      p('i am a debt collector', 'debt_collector'),
      p(
        'this is a communication from a debt collector attempting to collect a debt any information obtained will be used for that purpose',
        'debt_collector',
        'attempt_to_collect',
      ),
    ],
    test: [
      p('i need to let you know that this call is being recorded', 'recorded'),
      p('we are recording this call', 'recorded'),
      p('this phone call will be recorded', 'recorded'),
      p('for quality and training purposes this call may be recorded', 'recorded', 'purpose'),
      p('calls are recorded to help us improve our service', 'recorded', 'purpose'),
      p('this call is being recorded for compliance purposes', 'recorded', 'purpose'),
      p('we keep the recording as evidence of the payment arrangement', 'purpose'),
      p('any personal data is processed solely to service your account', 'purpose'),
      p('if you would prefer not to be recorded please tell me', 'right_to_object'),
      p('you may object to the processing of your data', 'right_to_object'),
      p('you can request a copy or the deletion of your data', 'right_to_object'),
      p(
        'we are attempting to collect a debt and any information we obtain will be used for that purpose',
        'attempt_to_collect',
      ),
      p('this is an attempt to collect a debt', 'attempt_to_collect'),
      p('this message is from a debt collector', 'debt_collector'),
      p(
        'we are a debt collection agency and this is a communication from a debt collector',
        'debt_collector',
      ),
    ],
  },
};

/** Sentences that resemble a disclosure but are none (LABELLING.md), by party. */
export const NEAR_MISSES: Record<Lang, Record<'dev' | 'test', { party: Party; text: string }[]>> = {
  es: {
    dev: [
      { party: 'customer', text: 'me están grabando o qué' },
      { party: 'agent', text: 'esta llamada no está siendo grabada' },
      { party: 'agent', text: 'le voy a grabar el nuevo número en el sistema' },
      { party: 'agent', text: 'le llamo por el saldo pendiente de su tarjeta' },
      { party: 'agent', text: 'sus datos de contacto están desactualizados' },
      { party: 'agent', text: 'quedó registrado su compromiso' },
    ],
    test: [
      { party: 'customer', text: 'oiga esta llamada la están grabando' },
      { party: 'agent', text: 'no se preocupe no estamos grabando' },
      { party: 'agent', text: 'ya quedó grabada la dirección en el sistema' },
      { party: 'agent', text: 'el motivo de mi llamada es su obligación vencida' },
      { party: 'agent', text: 'me confirma sus datos personales por favor' },
      { party: 'agent', text: 'la privacidad de su cuenta es importante para nosotros' },
    ],
  },
  en: {
    dev: [
      { party: 'customer', text: 'wait are you recording this' },
      { party: 'agent', text: 'this call is not being recorded' },
      { party: 'agent', text: 'i will make a record of your payment' },
      { party: 'agent', text: 'i am calling about the balance on your account' },
      { party: 'agent', text: 'can you confirm your personal details' },
    ],
    test: [
      { party: 'customer', text: 'is this being recorded' },
      { party: 'agent', text: 'do not worry we are not recording' },
      { party: 'agent', text: 'let me note that down in your file' },
      { party: 'agent', text: 'the reason for my call is your overdue payment' },
      { party: 'agent', text: 'the collector will follow up next week' },
      { party: 'agent', text: 'your privacy matters to us' },
    ],
  },
};

export const OPENINGS: Record<Lang, { greet: string[]; intro: string[]; verify: string[]; reply: string[] }> =
  {
    es: {
      greet: ['buenos días', 'buenas tardes', 'hola buenas tardes', 'muy buenas noches', 'aló buenos días'],
      intro: [
        'le habla {name} de {company}',
        'mi nombre es {name} y lo llamo de {company}',
        'le saluda {name} asesora de {company}',
        'me comunico de {company} mi nombre es {name}',
      ],
      verify: [
        'hablo con el señor {surname}',
        'me comunico con la señora {surname}',
        'me confirma si es usted el titular de la cuenta',
        'con quién tengo el gusto',
      ],
      reply: [
        'sí con él',
        'sí soy yo',
        'a ver dígame',
        'quién habla',
        'ajá',
        'sí señorita',
        'sí ella habla',
        'aló sí',
      ],
    },
    en: {
      greet: ['good morning', 'hi there', 'hello good afternoon', 'good evening', 'hey good morning'],
      intro: [
        'my name is {name} calling from {company}',
        'this is {name} with {company}',
        "it's {name} from {company}",
        'you are speaking with {name} at {company}',
      ],
      verify: [
        'am i speaking with {title} {surname}',
        'is this {title} {surname}',
        'can you confirm your date of birth for me',
        'could i speak with {title} {surname} please',
      ],
      reply: ['yes speaking', "yeah that's me", 'who is this', 'okay', 'uh huh', 'yes go ahead', 'sure'],
    },
  };

export const NAMES: Record<Lang, { name: string[]; surname: string[]; company: string[]; title: string[] }> =
  {
    es: {
      name: ['laura', 'andrés', 'catalina', 'julián', 'marcela', 'jorge', 'paola', 'diego'],
      surname: ['ramírez', 'gonzález', 'pérez', 'castaño', 'herrera', 'villamizar', 'rodríguez'],
      company: [
        'cobranzas del norte',
        'recuperar s a s',
        'gestión financiera',
        'banco popular',
        'créditos andinos',
      ],
      title: [''],
    },
    en: {
      name: ['sarah', 'michael', 'jessica', 'david', 'ashley', 'kevin', 'maria', 'james'],
      surname: ['johnson', 'martinez', 'thompson', 'garcia', 'walker', 'nguyen', 'brown'],
      company: [
        'national recovery services',
        'first credit solutions',
        'midwest collections',
        'apex financial',
      ],
      title: ['mr', 'mrs', 'ms'],
    },
  };

/** Long agent turns without any disclosure element, used to push an element past its time limit. */
export const FILLER_TALK: Record<Lang, string[]> = {
  es: [
    'le comento que el saldo de su cuenta a la fecha es de un millón doscientos mil pesos y tiene tres cuotas vencidas desde el mes de agosto por eso lo estamos contactando para buscar una solución que se ajuste a su presupuesto',
    'nosotros tenemos varias alternativas para usted por ejemplo podemos dividir el valor en seis cuotas o si prefiere puede hacer un abono inicial y el resto lo pagamos en los próximos meses sin intereses adicionales',
    'también le cuento que si realiza el pago antes de fin de mes le podemos condonar una parte de los intereses de mora y su historial se actualiza en las centrales de riesgo en los siguientes treinta días',
    'entiendo perfectamente su situación y por eso le quiero explicar con calma cada una de las opciones para que usted decida cuál le conviene más teniendo en cuenta sus ingresos y sus gastos del mes',
  ],
  en: [
    'so looking at your account the current balance is one thousand two hundred dollars and there are three payments past due since august which is why we are reaching out to find a solution that fits your budget',
    'we have a few options for you for example we can split the balance into six monthly payments or you can make a smaller payment today and we spread the rest over the next few months with no extra fees',
    'i also want to mention that if the payment is made before the end of the month we can waive part of the late fees and your account status gets updated with the credit bureaus within thirty days',
    'i completely understand your situation and that is why i want to walk you through each option calmly so you can decide which one works best for you given your income and your monthly expenses',
  ],
};
