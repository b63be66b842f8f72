import { ELEMENT_PHRASES } from '../disclosure/disclosure.phrases.ts';
import { EXPOSURE_PHRASES, INSULT_PHRASES, THREAT_PHRASES } from '../collections/forbidden.phrases.ts';
import { scriptSchema, type Script, type ScriptInput } from './script.schema.ts';

/**
 * Default collection scripts (Spanish and English): greeting, agent identification, customer verification,
 * recording notice, debt mention, no threats, farewell, and verification before the debt is discussed.
 */

const es: ScriptInput = {
  id: 'collections-es',
  name: 'Cobranza — guion base',
  version: 1,
  language: 'es',
  campaigns: ['*'],
  passScore: 80,
  rules: [
    {
      id: 'greeting',
      type: 'required_phrase',
      description: 'El agente saluda en los primeros 20 segundos',
      party: 'agent',
      window: { from: 'start', seconds: 20 },
      phrases: [
        '(buenos|buen) (dias|dia)',
        'buenas (tardes|noches)',
        '(muy|hola) buenas',
        '(hola|alo) (buenas|buenos|que tal)',
        'que tal (buenas|buenos)',
      ],
      weight: 1,
    },
    {
      id: 'agent_identification',
      type: 'required_phrase',
      description: 'El agente dice su nombre o la empresa desde la que llama en los primeros 45 segundos',
      party: 'agent',
      window: { from: 'start', seconds: 45 },
      phrases: [
        '(mi nombre es|le habla|me llamo|con usted|habla con|le saluda)',
        '(me comunico|lo llamo|la llamo|le llamo|nos comunicamos) (de|desde|de parte de) *',
        '(soy|somos) * (de|del area de|asesor de|asesora de)',
      ],
      weight: 1,
    },
    {
      id: 'customer_verification',
      type: 'required_phrase',
      description:
        'El agente confirma que habla con el titular (nombre, documento, fecha de nacimiento) en los primeros 90 segundos',
      party: 'agent',
      window: { from: 'start', seconds: 90 },
      phrases: [
        '(hablo|me comunico|tengo el gusto de hablar) con (el senor|la senora|el senorita|la senorita|don|dona)',
        '(me confirma|me podria confirmar|me regala|me indica|me dice) (su|sus) (nombre|numero de cedula|cedula|documento|fecha de nacimiento|ultimos|numero de documento)',
        '(es usted|usted es) (el titular|la titular|el senor|la senora)',
        '(ultimos|ultimas) (cuatro|4) (digitos|numeros) de su (documento|cedula)',
        'con quien tengo el gusto',
        '(confirmar|verificar) su (identidad|nombre completo|nombre)',
      ],
      weight: 2,
    },
    {
      id: 'recording_notice',
      type: 'required_phrase',
      description: 'El agente informa que la llamada es grabada en los primeros 30 segundos',
      party: 'agent',
      window: { from: 'start', seconds: 30 },
      phrases: ELEMENT_PHRASES.recorded.es,
      weight: 2,
    },
    {
      id: 'debt_mention',
      type: 'required_mention',
      description: 'El agente menciona la deuda, el saldo o la obligación',
      party: 'agent',
      words: [
        '(deuda|saldo|mora|obligacion|adeudo|cuotas vencidas|cuota vencida|pago atrasado|pendiente por pagar|pendiente de pago|factura pendiente|saldo vencido|saldo pendiente)',
        'tiene (pendiente|vencida|vencido|atrasado)',
      ],
      weight: 1,
    },
    {
      id: 'no_threats',
      type: 'forbidden_phrase',
      description: 'El agente no amenaza (cárcel, policía, exponer la deuda) ni insulta',
      party: 'agent',
      phrases: [...THREAT_PHRASES.es, ...INSULT_PHRASES.es, ...EXPOSURE_PHRASES.es],
      weight: 3,
      critical: true,
    },
    {
      id: 'farewell',
      type: 'required_phrase',
      description: 'El agente se despide cordialmente en los últimos 30 segundos',
      party: 'agent',
      window: { from: 'end', seconds: 30 },
      phrases: [
        '(muchas gracias|gracias por su (atencion|tiempo|llamada)|le agradezco)',
        '(que tenga|que este|feliz) (buen|buena|muy bien|un buen|una buena|feliz) [dia|tarde|noche]',
        '(feliz|buen|buena) (dia|tarde|noche)',
        '(hasta luego|hasta pronto|hasta manana|chao|adios|que le vaya bien)',
      ],
      weight: 1,
    },
    {
      id: 'verification_before_debt',
      type: 'order',
      description: 'La verificación del titular ocurre antes de hablar de la deuda',
      first: 'customer_verification',
      then: 'debt_mention',
      weight: 2,
    },
  ],
};

const en: ScriptInput = {
  id: 'collections-en',
  name: 'Collections — base script',
  version: 1,
  language: 'en',
  campaigns: ['*'],
  passScore: 80,
  rules: [
    {
      id: 'greeting',
      type: 'required_phrase',
      description: 'The agent greets the customer within the first 20 seconds',
      party: 'agent',
      window: { from: 'start', seconds: 20 },
      phrases: [
        'good (morning|afternoon|evening|day)',
        '(hello|hi|hey) [there]',
        'how are you [doing] [today]',
      ],
      weight: 1,
    },
    {
      id: 'agent_identification',
      type: 'required_phrase',
      description: 'The agent gives their name or company within the first 45 seconds',
      party: 'agent',
      window: { from: 'start', seconds: 45 },
      phrases: [
        '(my name is|this is|you are speaking with|it is|i am) * (from|with|at|calling)',
        '(calling|i am calling) (from|on behalf of|with)',
        'my name is',
      ],
      weight: 1,
    },
    {
      id: 'customer_verification',
      type: 'required_phrase',
      description:
        'The agent confirms they speak with the customer (name, date of birth, SSN digits) within 90 seconds',
      party: 'agent',
      window: { from: 'start', seconds: 90 },
      phrases: [
        '(am i speaking|am i talking|could i speak|may i speak|can i speak) (with|to)',
        '(is this|are you) (mr|mrs|ms|miss|the account holder)',
        '(confirm|verify) your (date of birth|full name|name|identity|address|social)',
        '(last four|last 4) [digits] of your (social|ssn)',
        'are you the account holder',
      ],
      weight: 2,
    },
    {
      id: 'recording_notice',
      type: 'required_phrase',
      description: 'The agent says the call is recorded within the first 30 seconds',
      party: 'agent',
      window: { from: 'start', seconds: 30 },
      phrases: ELEMENT_PHRASES.recorded.en,
      weight: 2,
    },
    {
      id: 'debt_mention',
      type: 'required_mention',
      description: 'The agent mentions the debt, balance or overdue payment',
      party: 'agent',
      words: [
        '(debt|balance|past due|overdue|delinquent|outstanding|unpaid|arrears|behind on)',
        '(payments|payment) behind',
      ],
      weight: 1,
    },
    {
      id: 'no_threats',
      type: 'forbidden_phrase',
      description: 'The agent makes no threats (arrest, police, exposing the debt) and no insults',
      party: 'agent',
      phrases: [...THREAT_PHRASES.en, ...INSULT_PHRASES.en, ...EXPOSURE_PHRASES.en],
      weight: 3,
      critical: true,
    },
    {
      id: 'farewell',
      type: 'required_phrase',
      description: 'The agent closes the call politely within the last 30 seconds',
      party: 'agent',
      window: { from: 'end', seconds: 30 },
      phrases: [
        '(thank you|thanks) [so much|very much] [for your time|for your help]',
        'have a (good|great|nice|wonderful) (day|evening|afternoon|night|weekend)',
        '(goodbye|bye now|take care|bye)',
        'i appreciate your (time|help)',
      ],
      weight: 1,
    },
    {
      id: 'verification_before_debt',
      type: 'order',
      description: 'The customer is verified before the debt is discussed',
      first: 'customer_verification',
      then: 'debt_mention',
      weight: 2,
    },
  ],
};

export const DEFAULT_SCRIPTS: readonly Script[] = [scriptSchema.parse(es), scriptSchema.parse(en)];

/** The script for a call: a campaign-specific one in its language, else the language's wildcard script. */
export function pickScript(
  scripts: readonly Script[],
  language: string,
  campaign: string | null | undefined,
): Script | undefined {
  const inLanguage = scripts.filter((s) => s.language === language);
  const specific = inLanguage.filter((s) => campaign && s.campaigns.includes(campaign));
  const pool = specific.length > 0 ? specific : inLanguage.filter((s) => s.campaigns.includes('*'));
  return pool.sort((a, b) => b.version - a.version)[0];
}
