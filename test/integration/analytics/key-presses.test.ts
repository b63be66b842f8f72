import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MuteRange } from '../../../services/analytics/index.ts';
import { encodeWav } from '../../../tools/synth/wav.ts';
import { keypadAudio } from '../../support/dtmf.ts';
import { speak } from '../speech/synthetic-speech.ts';
import { createAnalyticsHarness, pcm, rms, type AnalyticsHarness } from './analytics.harness.ts';

const run = promisify(execFile);
const RATE = 16_000;
const SECONDS = 12;
/** A card number typed on the customer's keypad from 6 s, one key every 200 ms, 90 ms each. */
const TYPED = '4526018159083012';
const PRESSES = [...TYPED].map((key, i) => ({ key, atMs: 6000 + i * 200, ms: 90 }));

/** 16-bit mono WAV of the key tones over a little line noise. */
async function keypadWav(file: string): Promise<void> {
  const tones = keypadAudio(
    SECONDS,
    PRESSES.map((p) => ({ ...p, level: 0.25, twistDb: 1.6 })),
    { noise: 0.002, sampleRate: RATE, seed: 3 },
  );
  await writeFile(file, encodeWav({ sampleRate: RATE, channels: [tones] }));
}

describe('key presses in uploaded audio (in-band DTMF) are muted in the redacted copy', () => {
  let h: AnalyticsHarness;
  let callId: string;

  beforeAll(async () => {
    h = await createAnalyticsHarness({ withVad: true });
    // agent (left): real speech, talking over the start of the typing; customer (right): the keypad
    const speech = path.join(h.root, 'agent.wav');
    await speak(
      'buenos días le informo que esta llamada está siendo grabada, por favor digite el número de su tarjeta ' +
        'después del tono, uno, dos, tres, cuatro, cinco, seis, siete, ocho, nueve, cero',
      'es',
      speech,
    );
    const agent = path.join(h.root, 'agent-padded.wav');
    await run('sox', [speech, agent, 'pad', '0.5', String(SECONDS)]);
    const keypad = path.join(h.root, 'keypad.wav');
    await keypadWav(keypad);
    const stereo = path.join(h.root, 'call.wav');
    await run('sox', ['-M', agent, keypad, stereo, 'trim', '0', String(SECONDS)]);
    callId = await h.upload(
      [
        {
          party: 'agent',
          startMs: 500,
          endMs: 5500,
          text: 'buenos días le informo que esta llamada está siendo grabada por favor digite el número de su tarjeta',
        },
      ],
      { startedAt: '2024-03-11T15:00:00Z', region: 'CO', agentId: 'A-7' },
      SECONDS,
      { file: stereo },
    );
    const stages = await h.settled(callId, ['vad', 'analytics', 'route']);
    expect(stages.analytics!.status, JSON.stringify(stages)).toBe('done');
  }, 180_000);

  afterAll(async () => {
    await h?.close();
  });

  it('hears every key on the customer channel and none in the agent speech, storing times only', async () => {
    const analysis = await request(h.app)
      .get(`/api/v1/calls/${callId}/analysis`)
      .set('Authorization', `Bearer ${h.adminKey}`);
    expect((await h.stage(callId, 'vad')).result.tones).toEqual([
      expect.objectContaining({ channel: 0, keyPresses: 0 }),
      expect.objectContaining({ channel: 1, keyPresses: TYPED.length }),
    ]);
    const row = await h.database.handle.db
      .selectFrom('channel_tones')
      .select('key_presses')
      .where('call_id', '=', callId)
      .where('channel', '=', 1)
      .executeTakeFirstOrThrow();
    expect(row.key_presses).toHaveLength(TYPED.length);
    expect(Object.keys(row.key_presses[0]!).sort()).toEqual(['endMs', 'startMs']);
    expect(analysis.body.analytics.pii.counts).toEqual({ DTMF: TYPED.length });
  });

  it('mutes the typing on both channels of the redacted audio and leaves the rest', async () => {
    const analysis = await request(h.app)
      .get(`/api/v1/calls/${callId}/analysis`)
      .set('Authorization', `Bearer ${h.adminKey}`);
    const ranges = analysis.body.analytics.pii.muteRanges as MuteRange[];
    // 200 ms apart with 60 ms padding on each side: the presses merge into one range over the typing
    expect(ranges).toHaveLength(1);
    expect(ranges[0]).toMatchObject({ channel: null, types: ['DTMF'] });
    expect(ranges[0]!.startMs).toBeLessThanOrEqual(PRESSES[0]!.atMs);
    expect(ranges[0]!.endMs).toBeGreaterThanOrEqual(PRESSES.at(-1)!.atMs + 90);
    const detail = await request(h.app)
      .get(`/api/v1/calls/${callId}`)
      .set('Authorization', `Bearer ${h.adminKey}`);
    const recordings = detail.body.recordings as { kind: string; objectKey: string }[];
    const original = recordings.find((r) => r.kind === 'original')!;
    const redacted = recordings.find((r) => r.kind === 'redacted')!;
    expect(redacted).toBeDefined();
    const [orig, red] = await Promise.all([pcm(h, original.objectKey, 1), pcm(h, redacted.objectKey, 1)]);
    const typing = [PRESSES[0]!.atMs, PRESSES.at(-1)!.atMs + 90] as const;
    expect(rms(orig, ...typing)).toBeGreaterThan(0.1);
    expect(rms(red, ...typing)).toBeLessThan(0.005);
    const agentOrig = await pcm(h, original.objectKey, 0);
    const agentRed = await pcm(h, redacted.objectKey, 0);
    expect(rms(agentRed, 1000, 4000)).toBeGreaterThan(0.02);
    expect(Math.abs(rms(agentRed, 1000, 4000) - rms(agentOrig, 1000, 4000))).toBeLessThan(0.01);
  });
});
