import { describe, expect, it } from 'vitest';
import { evaluate, loadSentimentSet, run } from '../../eval/sentiment.eval.ts';

describe(loadSentimentSet.name, () => {
  it('loads labelled sets of the size and shape the guidelines describe', () => {
    const es = loadSentimentSet('es');
    const en = loadSentimentSet('en');
    expect(es.length).toBeGreaterThanOrEqual(300);
    expect(en.length).toBeGreaterThanOrEqual(150);
    for (const [lang, items] of [
      ['es', es],
      ['en', en],
    ] as const) {
      expect(new Set(items.map((u) => u.id)).size).toBe(items.length);
      for (const u of items) {
        expect(u.lang).toBe(lang);
        expect(['positive', 'neutral', 'negative']).toContain(u.label);
        expect(['agent', 'customer']).toContain(u.party);
        expect(['dev', 'test']).toContain(u.split);
      }
      const first = items.filter((u) => u.batch === 1);
      const test = first.filter((u) => u.split === 'test').length / first.length;
      expect(test).toBeGreaterThan(0.25);
      expect(test).toBeLessThan(0.35);
      expect(items.filter((u) => u.batch === 2).every((u) => u.split === 'test')).toBe(true);
    }
  });
});

describe(evaluate.name, () => {
  it('computes per-class figures, macro-F1 and the confusion matrix from labels', () => {
    const f = evaluate(
      ['positive', 'negative', 'neutral', 'neutral'],
      ['positive', 'neutral', 'neutral', 'negative'],
    );
    expect(f.confusion.negative.neutral).toBe(1);
    expect(f.perClass.positive).toEqual({ precision: 1, recall: 1, f1: 1, support: 1 });
    expect(f.perClass.neutral).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(f.perClass.negative.f1).toBe(0);
    expect(f.macroF1).toBe(0.5);
    expect(f.accuracy).toBe(0.5);
  });
});

describe(run.name, () => {
  it('shows the analyser beating every plain-library baseline on the held-out test split in both languages', async () => {
    const result = await run({ measureThroughput: false });
    for (const key of ['es/test', 'en/test']) {
      const { analyser, baselines } = result.splits[key]!;
      expect(baselines.length).toBeGreaterThan(0);
      const best = Math.max(...baselines.map((b) => b.macroF1));
      expect(analyser.macroF1, key).toBeGreaterThan(best);
    }
  });
});
