import { analyzeCall, type SentimentPort, type TranscriptSegment } from '../../services/analytics/index.ts';
import { median, round } from './stats.ts';

/**
 * Text analytics throughput: every text detector (disclosure, adherence, promise to pay, forbidden practices,
 * contact rules, counts, talk metrics, PII + redaction, routing, and sentiment when its module is present) on
 * 10-minute calls of ~150 segments, on one thread. Reports calls per second of wall time and per CPU-second of
 * this process (the figure for one idle core when the machine is shared); target ≥ 200.
 */

const AGENT_ES = [
  'buenos días le habla laura de cobranzas del norte',
  'le informo que esta llamada está siendo grabada por calidad y seguridad',
  'sus datos personales serán tratados conforme a la ley mil quinientos ochenta y uno de dos mil doce',
  'hablo con el señor ramírez me confirma su número de cédula por favor',
  'le llamo porque presenta un saldo pendiente de un millón doscientos mil pesos con tres cuotas vencidas',
  'podemos ofrecerle un acuerdo de pago en seis cuotas sin intereses de mora',
  'si realiza el pago antes de fin de mes le condonamos una parte de los intereses',
  'entiendo su situación y por eso le explico cada una de las opciones con calma',
  'entonces queda el compromiso de pago por doscientos mil pesos para el viernes quince',
  'me confirma un correo electrónico para enviarle el acuerdo',
  'recuerde que puede pagar en cualquier corresponsal bancario o por la aplicación',
  'muchas gracias por su atención que tenga buen día',
];
const CUSTOMER_ES = [
  'sí con él',
  'eh ahorita no tengo plata la verdad',
  'el viernes le pago doscientos mil',
  'mi correo es juan punto perez arroba gmail punto com',
  'no estoy de acuerdo con esos intereses voy a poner una queja en la superintendencia',
  'bueno está bien',
  'mi cédula es uno cero dos cero tres cuatro cinco seis siete ocho',
  'me quedé sin trabajo hace dos meses',
  'ajá',
  'y si no pago qué pasa me van a embargar',
  'la tarjeta es cuatro cinco dos seis cero uno ocho uno cinco nueve cero ocho tres cero uno dos',
  'listo gracias',
];

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 10-minute call: 150 alternating turns with ASR-like noise (accents dropped, fillers, a misspelling). */
export function syntheticCall(seed: number): TranscriptSegment[] {
  const r = rng(seed);
  const segments: TranscriptSegment[] = [];
  let t = 500;
  for (let i = 0; i < 150; i++) {
    const agent = i % 2 === 0;
    const pool = agent ? AGENT_ES : CUSTOMER_ES;
    let text = pool[i < 12 ? i % pool.length : Math.floor(r() * pool.length)]!;
    if (r() < 0.5) text = text.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
    if (r() < 0.3) text = text.replace(' ', ' eh ');
    if (r() < 0.2) text = text.replace(/v/g, 'b');
    const words = text.split(' ').length;
    const dur = Math.round((words / 2.6) * 1000);
    segments.push({
      party: agent ? 'agent' : 'customer',
      channel: agent ? 0 : 1,
      startMs: t,
      endMs: t + dur,
      text,
    });
    t += dur + 200 + Math.round(r() * 1500);
  }
  return segments;
}

async function loadSentiment(): Promise<SentimentPort | null> {
  try {
    const mod = (await import('../../services/analytics/sentiment/index.ts')) as {
      createSentimentAnalyzer?: () => SentimentPort;
    };
    return mod.createSentimentAnalyzer ? mod.createSentimentAnalyzer() : null;
  } catch {
    return null;
  }
}

export async function run(options: { seconds?: number } = {}): Promise<Record<string, unknown>> {
  const calls = Array.from({ length: 20 }, (_, i) => syntheticCall(i + 1));
  const durationMs = calls[0]!.at(-1)!.endMs + 1000;
  const sentiment = await loadSentiment();
  const measure = (withSentiment: boolean) => {
    const ctx = (i: number) => ({
      callId: `bench-${i}`,
      agentId: `agent-${i % 7}`,
      startedAt: '2024-03-13T10:15:00-05:00',
      region: 'CO',
      country: 'CO',
      language: 'es' as const,
      durationMs,
      currency: 'COP',
    });
    const opts = { sentiment: withSentiment ? sentiment : null };
    for (let i = 0; i < 40; i++) analyzeCall(calls[i % calls.length]!, ctx(i), opts); // warm-up
    const rates: number[] = [];
    const cpuRates: number[] = [];
    const seconds = options.seconds ?? 3;
    for (let r = 0; r < 3; r++) {
      let n = 0;
      const started = performance.now();
      const cpu = process.cpuUsage();
      while (performance.now() - started < (seconds * 1000) / 3) {
        analyzeCall(calls[n % calls.length]!, ctx(n), opts);
        n++;
      }
      const used = process.cpuUsage(cpu);
      rates.push((n * 1000) / (performance.now() - started));
      // CPU time of this process (user + system): what one idle core would do, even on a busy machine
      cpuRates.push((n * 1e6) / (used.user + used.system));
    }
    return { wall: round(median(rates), 0), perCpuSecond: round(median(cpuRates), 0) };
  };
  const result: Record<string, unknown> = {
    segmentsPerCall: calls[0]!.length,
    callMinutes: round(durationMs / 60_000, 1),
    textDetectors: measure(false),
  };
  if (sentiment) result.withSentiment = measure(true);
  else result.sentiment = 'module not present';
  return result;
}
