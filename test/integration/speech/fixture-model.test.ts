import { execFile } from 'node:child_process';
import { readFile, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const FIXTURE = fileURLToPath(new URL('../../fixtures/asr-model/', import.meta.url));
const DECODE = path.join(FIXTURE, 'decode.mjs');

interface Decoded {
  file: string;
  text: string;
  tokens: string[];
  seconds: number;
}

interface HeldOutReference {
  file: string;
  lang: string;
  text: string;
}

// Never in the training data: train/make_data.py lists them in RESERVED and excludes them.
const SENTENCES = [
  {
    voice: 'es',
    text: 'buenas tardes, le informamos que esta conversación será grabada y monitoreada por su seguridad',
    keyWords: ['grabada', 'monitoreada', 'seguridad'],
  },
  {
    voice: 'en-us',
    text: 'the last four digits are seven two nine one, I can pay two hundred dollars on friday',
    keyWords: ['digits', 'dollars', 'friday'],
  },
] as const;

function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^\p{L}' ]+/gu, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

function editDistance<T>(a: readonly T[], b: readonly T[]): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

function wordErrorRate(reference: string, hypothesis: string): number {
  const ref = words(reference);
  return editDistance(words(hypothesis), ref) / ref.length;
}

/** sherpa-onnx-node in a child process: a broken model ends that process natively, not the test runner. */
async function decode(files: string[]): Promise<Decoded[]> {
  try {
    const { stdout } = await run('node', [DECODE, ...files], {
      timeout: 30_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return JSON.parse(stdout) as Decoded[];
  } catch (error) {
    const e = error as { code?: unknown; signal?: unknown; stderr?: unknown };
    throw new Error(
      `decode.mjs failed (exit ${String(e.code)}, signal ${String(e.signal)}): ${String(e.stderr)}`,
    );
  }
}

async function requireSpeechTools(): Promise<void> {
  for (const tool of ['espeak-ng', 'sox']) {
    try {
      await run('which', [tool]);
    } catch {
      throw new Error(`${tool} is missing: apt-get install espeak-ng sox (.ci/run installs them)`);
    }
  }
}

describe('fixture speech model (test/fixtures/asr-model)', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'escucha-fixture-asr-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is a small sherpa zipformer2_ctc model with a <blk> blank and a ▁ word boundary', async () => {
    const model = await stat(path.join(FIXTURE, 'model.onnx'));
    expect(model.size).toBeGreaterThan(1_000_000);
    expect(model.size).toBeLessThan(15_000_000);
    const tokens = (await readFile(path.join(FIXTURE, 'tokens.txt'), 'utf8')).trim().split('\n');
    expect(tokens[0]).toBe('<blk> 0');
    expect(tokens).toContain('\u2581 1');
    expect(tokens.some((t) => /^(SIL|<\/s>) /.test(t))).toBe(false);
  });

  it('transcribes unseen espeak-ng sentences in Spanish and English with WER at most 0.3', async () => {
    await requireSpeechTools();
    const files: string[] = [];
    for (const [i, s] of SENTENCES.entries()) {
      const raw = path.join(dir, `s${i}.espeak.wav`);
      const file = path.join(dir, `s${i}.wav`);
      await run('espeak-ng', ['-v', s.voice, '-s', '150', '-w', raw, s.text]);
      await run('sox', [raw, '-r', '16000', '-c', '1', '-b', '16', file]);
      files.push(file);
    }
    const decoded = await decode(files);
    expect(decoded).toHaveLength(SENTENCES.length);
    for (const [i, s] of SENTENCES.entries()) {
      const text = decoded[i]!.text;
      expect(wordErrorRate(s.text, text), `"${text}" for "${s.text}"`).toBeLessThanOrEqual(0.3);
      for (const w of s.keyWords) expect(words(text)).toContain(w);
    }
  });

  it('transcribes the committed held-out recordings with WER at most 0.3 overall', async () => {
    const refs = JSON.parse(
      await readFile(path.join(FIXTURE, 'heldout', 'references.json'), 'utf8'),
    ) as HeldOutReference[];
    expect(refs.length).toBeGreaterThanOrEqual(4);
    expect(new Set(refs.map((r) => r.lang))).toEqual(new Set(['es', 'en']));
    const decoded = await decode(refs.map((r) => path.join(FIXTURE, 'heldout', r.file)));
    let errors = 0;
    let total = 0;
    for (const [i, r] of refs.entries()) {
      errors += editDistance(words(decoded[i]!.text), words(r.text));
      total += words(r.text).length;
    }
    expect(errors / total).toBeLessThanOrEqual(0.3);
  });
});
