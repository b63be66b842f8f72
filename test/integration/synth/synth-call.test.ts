import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveFfmpegPaths } from '../../../services/archive/ffmpeg-path.ts';
import type { CapturedCall } from '../../../services/capture/captured-call.ts';
import { importCaptureFiles } from '../../../services/capture/passive/pcap.importer.ts';
import { silentLogger } from '../../../services/platform/logger.ts';
import { isEscuchaError } from '../../../services/platform/errors.ts';
import type { CallScriptInput } from '../../../services/cli/call-script.ts';
import type { ReferenceTranscript } from '../../../services/cli/call-script.ts';
import { detectDtmf, rms } from '../../../tools/synth/dsp.ts';
import { EspeakSynthesizer } from '../../../tools/synth/espeak.tts.ts';
import { decodeWav, type WavAudio } from '../../../tools/synth/wav.ts';
import { requireTools } from '../speech/synthetic-speech.ts';
import { readCapture } from '../../unit/synth/capture-readback.ts';

const exec = promisify(execFile);
/** The dev tool as `npm run synth-call` runs it: the TypeScript source through tsx. */
const SYNTH_CALL = ['--import', 'tsx', path.resolve('tools/synth/synth-call.ts')];

const SCRIPT: CallScriptInput = {
  language: 'es',
  seed: 5,
  agent: { name: 'Carolina Gómez', number: '+57 601 555 0101' },
  customer: { number: '+57 300 123 4567' },
  metadata: { direction: 'outbound', agentId: 'A0042' },
  turns: [
    { party: 'agent', text: 'buenos días, le habla carolina de cobranzas andinas' },
    { party: 'agent', text: 'le informamos que esta llamada está siendo grabada y monitoreada por calidad' },
    { party: 'customer', text: 'sí, con ella habla' },
    { party: 'agent', text: '¿me confirma su número de documento?' },
    { party: 'customer', dtmf: '4512#' },
    { pause: 0.8 },
    { party: 'customer', text: 'voy a hacer el pago el próximo viernes' },
    { party: 'agent', text: 'muchas gracias por su atención' },
  ],
};

/** First and last 10 ms window of a channel above `threshold` RMS within [fromMs, toMs]. */
function energyBounds(samples: Float32Array, rate: number, fromMs: number, toMs: number, threshold: number) {
  const win = rate / 100;
  let first: number | undefined;
  let last: number | undefined;
  for (let ms = Math.max(0, fromMs); ms < toMs; ms += 10) {
    const at = Math.round((ms * rate) / 1000);
    if (at + win > samples.length) break;
    if (rms(samples, at, at + win) >= threshold) {
      first ??= ms;
      last = ms + 10;
    }
  }
  return { first, last };
}

describe('npm run synth-call (tools/synth/synth-call.ts)', () => {
  let dir: string;
  let wav: WavAudio;
  let reference: ReferenceTranscript;
  const file = (name: string) => path.join(dir, name);

  beforeAll(async () => {
    await requireTools('espeak-ng', 'tshark');
    dir = await mkdtemp(path.join(os.tmpdir(), 'escucha-synth-'));
    await writeFile(file('call.json'), JSON.stringify(SCRIPT));
    const { stdout } = await exec(process.execPath, [
      ...SYNTH_CALL,
      file('call.json'),
      '--wav',
      file('call.wav'),
      '--pcap',
      file('call.pcap'),
      '--transcript',
      file('call.transcript.json'),
    ]);
    expect(stdout).toMatch(/rendered [\d.]+ s: 6 lines, 5 keys/);
    wav = decodeWav(await readFile(file('call.wav')));
    reference = JSON.parse(await readFile(file('call.transcript.json'), 'utf8')) as ReferenceTranscript;
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes a 16 kHz stereo WAV with the agent on the left and the customer on the right', () => {
    expect(wav.sampleRate).toBe(16000);
    expect(wav.channels).toHaveLength(2);
    expect(Math.round((wav.channels[0]!.length * 1000) / 16000)).toBe(reference.durationMs);
    expect(reference.segments.map((s) => s.party)).toEqual([
      'agent',
      'agent',
      'customer',
      'agent',
      'customer',
      'agent',
    ]);
    for (const s of reference.segments) {
      const own = wav.channels[s.channel]!;
      const other = wav.channels[1 - s.channel]!;
      const a = Math.round((s.startMs * 16000) / 1000);
      const b = Math.round((s.endMs * 16000) / 1000);
      expect(rms(own, a, b), `${s.party} speaks on channel ${s.channel}: "${s.text}"`).toBeGreaterThan(0.03);
      expect(rms(other, a, b), `the other channel is quiet during "${s.text}"`).toBeLessThan(0.003);
    }
  });

  it('gives reference times that match where the speech energy is, within 150 ms', () => {
    for (const s of reference.segments) {
      // Search around the line, but not into the lines before and after it on the same channel.
      const same = reference.segments.filter((o) => o.channel === s.channel);
      const i = same.indexOf(s);
      const prev = same[i - 1];
      const next = same[i + 1];
      const from = Math.max(s.startMs - 400, prev ? (prev.endMs + s.startMs) / 2 : 0);
      const to = Math.min(s.endMs + 400, next ? (s.endMs + next.startMs) / 2 : Infinity);
      const { first, last } = energyBounds(
        wav.channels[s.channel]!,
        16000,
        Math.round(from / 10) * 10,
        to,
        0.003,
      );
      expect(first, `start of "${s.text}"`).toBeDefined();
      expect(Math.abs(first! - s.startMs), `start of "${s.text}"`).toBeLessThanOrEqual(150);
      expect(Math.abs(last! - s.endMs), `end of "${s.text}"`).toBeLessThanOrEqual(150);
    }
  });

  it('puts real DTMF tones at the key times, on the customer channel only', () => {
    expect(reference.dtmf.map((d) => d.digit).join('')).toBe('4512#');
    const right = wav.channels[1]!;
    for (const d of reference.dtmf) {
      const at = Math.round(((d.startMs + 20) * 16000) / 1000);
      expect(detectDtmf(right, at, 1920, 16000), `key ${d.digit} at ${d.startMs} ms`).toBe(d.digit);
      expect(detectDtmf(wav.channels[0]!, at, 1920, 16000)).toBeNull();
      // Between two keys there is no tone.
      const gap = Math.round(((d.startMs + d.durationMs + 30) * 16000) / 1000);
      expect(detectDtmf(right, gap, 1200, 16000)).toBeNull();
    }
  });

  it('writes a capture tshark reads as the SIP dialog, RTP both ways and one RFC 4733 event per key', async () => {
    const tshark = async (filter: string, fields: string[] = []) => {
      const args = [
        '-r',
        file('call.pcap'),
        '-Y',
        filter,
        ...(fields.length ? ['-T', 'fields', ...fields.flatMap((f) => ['-e', f])] : []),
      ];
      const { stdout } = await exec('tshark', args);
      return stdout.split('\n').filter((l) => l.trim() !== '');
    };
    const sip = await tshark('sip', ['sip.Method', 'sip.Status-Code']);
    expect(sip.map((l) => l.trim())).toEqual(['INVITE', '100', '180', '200', 'ACK', 'BYE', '200']);
    const expected = reference.durationMs / 20;
    const agentAudio = await tshark('rtp && rtp.p_type == 0 && ip.src == 10.20.0.10');
    const customerAudio = await tshark('rtp && rtp.p_type == 0 && ip.src == 10.30.0.20');
    expect(Math.abs(agentAudio.length - expected)).toBeLessThanOrEqual(2);
    expect(Math.abs(customerAudio.length - expected)).toBeLessThanOrEqual(2);
    const events = await tshark('rtpevent', [
      'rtpevent.event_id',
      'rtpevent.end_of_event',
      'rtp.marker',
      'ip.src',
    ]);
    expect(events).toHaveLength(5 * 10);
    expect(events.every((l) => l.endsWith('10.30.0.20'))).toBe(true);
    const starts = events
      .filter((l) => l.split('\t')[2] === '1' || l.split('\t')[2] === 'True')
      .map((l) => l.split('\t')[0]);
    expect(starts).toEqual(['4', '5', '1', '2', '11']);
    expect(events.filter((l) => ['1', 'True'].includes(l.split('\t')[1]!))).toHaveLength(15);
    const { stdout: expert } = await exec('tshark', ['-r', file('call.pcap'), '-q', '-z', 'expert,warn']);
    expect(expert).not.toMatch(/Malformed|Warning\s+\d/i);
  });

  it("reads back through Escucha's capture reader, packet decoder and RFC 4733 detector", async () => {
    const readback = await readCapture(file('call.pcap'));
    expect(readback.sip.map((s) => s.label)).toEqual(['INVITE', '100', '180', '200', 'ACK', 'BYE', '200']);
    const counts = [...readback.rtp.entries()].map(([k, v]) => [
      k,
      v.filter((p) => p.packet.payloadType === 0).length,
    ]);
    expect(counts).toEqual([
      ['10.20.0.10:16384>10.30.0.20:30000', reference.durationMs / 20],
      ['10.30.0.20:30000>10.20.0.10:16384', reference.durationMs / 20],
    ]);
    expect(
      readback.dtmf
        .get('10.30.0.20:30000>10.20.0.10:16384')!
        .map((d) => d.digit)
        .join(''),
    ).toBe('4512#');
  });

  it('is assembled by the pcap importer into the same call: two channels, the keys at their times', async () => {
    const calls: CapturedCall[] = [];
    const report = await importCaptureFiles([file('call.pcap')], {
      sink: {
        deliver: async (call) => {
          const audio = decodeWav(await readFile(call.filePath));
          calls.push({ ...call, notes: [...call.notes, `channels=${audio.channels.length}`] });
          return { callId: call.captureId, created: true };
        },
      },
      rules: { agentHeader: 'X-Agent-Id', headerMap: {}, agentPattern: undefined, defaultAgent: 'caller' },
      logger: silentLogger(),
      ffmpegPath: resolveFfmpegPaths().ffmpeg,
      workDir: file('import-work'),
      silenceDtmf: false,
      keepDtmfDigits: true,
    });
    expect(report.files[0]).toMatchObject({ sipMessages: 7, dialogs: 1, calls: 1, sipMalformed: 0 });
    expect(calls).toHaveLength(1);
    const call = calls[0]!;
    expect(call.notes).toContain('channels=2');
    expect(Math.abs(call.durationMs - reference.durationMs)).toBeLessThanOrEqual(40);
    expect(call.metadata).toMatchObject({
      direction: 'outbound',
      callerNumber: '+576015550101',
      calleeNumber: '+573001234567',
    });
    expect(call.dtmf.map((d) => [d.channel, d.digit])).toEqual(reference.dtmf.map((d) => [1, d.digit]));
    call.dtmf.forEach((d, i) =>
      expect(Math.abs(d.startMs - reference.dtmf[i]!.startMs)).toBeLessThanOrEqual(40),
    );
  });

  it('writes an 8 kHz µ-law WAV that ffprobe reads as two-channel pcm_mulaw', async () => {
    await exec(process.execPath, [...SYNTH_CALL, file('call.json'), '--ulaw', '--wav', file('ulaw.wav')]);
    const { ffprobe } = resolveFfmpegPaths();
    const { stdout } = await exec(ffprobe, [
      '-v',
      'error',
      '-show_entries',
      'stream=codec_name,sample_rate,channels',
      '-of',
      'json',
      file('ulaw.wav'),
    ]);
    expect(JSON.parse(stdout).streams[0]).toMatchObject({
      codec_name: 'pcm_mulaw',
      sample_rate: '8000',
      channels: 2,
    });
    const audio = decodeWav(await readFile(file('ulaw.wav')));
    const s = reference.segments[0]!;
    expect(rms(audio.channels[0]!, (s.startMs * 8000) / 1000, (s.endMs * 8000) / 1000)).toBeGreaterThan(0.03);
  });
});

describe(EspeakSynthesizer.name, () => {
  it('fails with TOOL_MISSING naming the install step when espeak-ng is not there', async () => {
    const tts = new EspeakSynthesizer({ binary: 'espeak-ng-not-installed' });
    const error = await tts
      .synthesize('hola', { voice: 'es', pitch: 50, speed: 150 })
      .catch((e: unknown) => e);
    expect(isEscuchaError(error, 'TOOL_MISSING')).toBe(true);
    expect((error as Error).message).toMatch(/apt-get install espeak-ng/);
  });

  it('makes the CLI say so too, with exit status 1', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'escucha-synth-'));
    try {
      await writeFile(path.join(dir, 'call.json'), JSON.stringify(SCRIPT));
      const result = await exec(
        process.execPath,
        [...SYNTH_CALL, path.join(dir, 'call.json'), '--wav', path.join(dir, 'x.wav')],
        { env: { ...process.env, PATH: dir } },
      ).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/TOOL_MISSING: espeak-ng is not installed.*apt-get install espeak-ng/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
