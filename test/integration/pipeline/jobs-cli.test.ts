import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTools } from '../speech/synthetic-speech.ts';
import { createSpeechHarness, type SpeechHarness } from './speech-harness.ts';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../../bin/escucha.js', import.meta.url));

describe('escucha jobs and models', () => {
  let h: SpeechHarness;
  let env: Record<string, string>;
  let a: string;
  let b: string;

  beforeAll(async () => {
    await requireTools('espeak-ng', 'sox', 'ffmpeg');
    h = await createSpeechHarness({ asrModel: null, work: false });
    env = {
      ...(process.env as Record<string, string>),
      DATABASE_URL: h.database.url,
      ESCUCHA_DATA_DIR: h.root,
      ESCUCHA_STORAGE_DIR: path.join(h.root, 'objects'),
      ESCUCHA_MODELS_DIR: path.join(h.root, 'models'),
      ESCUCHA_LOG_LEVEL: 'warn',
    };
    a = await h.archiveCall({ left: [{ text: 'hola', voice: 'es', at: 0.2 }], right: [] }, 2, {
      campaign: 'mora-30',
    });
    b = await h.archiveCall({ left: [{ text: 'hello', voice: 'en-us', at: 0.2 }], right: [] }, 2, {
      campaign: 'mora-60',
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  const escucha = async (...args: string[]) => {
    try {
      const r = await run(process.execPath, [BIN, ...args], { env });
      return { code: 0, out: r.stdout, err: r.stderr };
    } catch (e) {
      const x = e as { code: number; stdout: string; stderr: string };
      return { code: x.code, out: x.stdout, err: x.stderr };
    }
  };

  it('lists the queued jobs with totals', async () => {
    const r = await escucha('jobs', 'list', '--stage', 'vad');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^totals: vad\/pending=2$/m);
    expect(r.out).toContain(`${a}  vad        pending`);
    expect(r.out).toContain(`${b}  vad        pending`);
  });

  it('re-runs a stage for the calls matching search filters only', async () => {
    const r = await escucha('jobs', 'rerun', '--stage', 'transcribe', '--campaign', 'mora-60', '--only');
    expect(r.out.trim()).toBe('enqueued transcribe for 1 call (this stage only)');
    const outcomes = await h.outcomes.list({ stage: 'transcribe', limit: 10 });
    expect(outcomes.map((o) => [o.callId, o.status, o.reason])).toEqual([[b, 'pending', 're-run requested']]);
    const refused = await escucha('jobs', 'rerun', '--stage', 'transcribe');
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/select calls with --call ID, with search filters/);
  });

  it('verifies a missing model with the command that fetches it, and labels the fixture in the list', async () => {
    const r = await escucha('models', 'verify', 'nemo-ctc-es');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^nemo-ctc-es: not installed in .* — run escucha models fetch nemo-ctc-es$/m);
    const list = await escucha('models', 'list');
    expect(list.out).toMatch(
      /^fixture \(test-only\) \[TEST FIXTURE\] +sherpa-onnx +es,en +installed \(repository\)/m,
    );
    // The default model comes with Escucha (npm installs it); the others are downloads.
    expect(list.out).toMatch(
      /^whisper-base \(default\) +onnxruntime\+transformers\.js +multilingual +installed \(npm package\) +\d+ MB +pinned$/m,
    );
    expect(list.out).toMatch(
      /^whisper-small +onnxruntime\+transformers\.js +multilingual +missing +158 MB download +pinned$/m,
    );
  });
});
