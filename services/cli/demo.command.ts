import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import type { UploadedTranscript } from '../archive/archive.service.ts';
import type { Config } from '../platform/config.ts';
import { EscuchaError } from '../platform/errors.ts';
import { packagePath } from '../platform/package-path.ts';
import type { Logger } from '../platform/logger.ts';
import { FIXTURE_MODEL } from '../speech/model-manifest.ts';
import { chooseModel, parseAsrModelSpec } from '../speech/model-selection.ts';
import { ModelStore } from '../speech/model-store.ts';
import { loadCallScript, type ReferenceTranscript } from './call-script.ts';
import { buildServices, type Services } from '../composition.ts';
import { guardProcess } from '../platform/process-guard.ts';
import { startWorkers } from './workers.ts';

/**
 * The demo calls of `escucha demo`: a handful of synthetic collection calls (Colombia, Mexico, one in English for
 * the US) archived with realistic metadata. They ship rendered in `demo-data/` (Ogg/Opus + reference transcript),
 * so loading them needs neither espeak-ng nor a speech model. When a real speech model is installed for their
 * languages (whisper-base, the default, is installed by npm ci) they are archived without transcripts and the
 * pipeline transcribes them with it (`--wait` runs the workers here until it has; `escucha serve` does otherwise);
 * without one, or with `--no-transcribe`, each is archived with its reference transcript (source "upload"). With
 * ESCUCHA_ASR_MODEL=fixture the fixture model transcribes them. Idempotent: every call has an externalId.
 * `npm run demo-render` (tools/synth/demo-render.ts) renders `demo-data/` again from its scripts.
 */

export const DEMO_DATA_DIR = packagePath('services', 'cli', 'demo-data');

const manifestSchema = z.object({
  description: z.string().optional(),
  calls: z
    .array(
      z.strictObject({
        id: z.string().regex(/^[a-z0-9-]+$/),
        /** The call started this many days before the demo is loaded, at `localTime` in `utcOffset`. */
        daysAgo: z.number().int().min(0).max(365),
        localTime: z.string().regex(/^\d{2}:\d{2}:\d{2}$/),
        utcOffset: z.string().regex(/^[+-]\d{2}:\d{2}$/),
      }),
    )
    .min(1),
});
export type DemoManifest = z.infer<typeof manifestSchema>;
export type DemoEntry = DemoManifest['calls'][number];

export async function loadDemoManifest(dir = DEMO_DATA_DIR): Promise<DemoManifest> {
  const raw: unknown = JSON.parse(await readFile(path.join(dir, 'calls.json'), 'utf8'));
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw new EscuchaError('CONFIG_INVALID', `demo-data/calls.json is not valid: ${parsed.error.message}`);
  }
  return parsed.data;
}

/** `2026-03-14T10:15:02-05:00` for an entry, counted back from `now` in the entry's own offset. */
export function demoStartedAt(entry: DemoEntry, now: Date = new Date()): Date {
  const sign = entry.utcOffset.startsWith('-') ? -1 : 1;
  const [h, m] = entry.utcOffset.slice(1).split(':').map(Number);
  const offsetMs = sign * ((h ?? 0) * 60 + (m ?? 0)) * 60_000;
  const local = new Date(now.getTime() + offsetMs - entry.daysAgo * 86_400_000);
  const day = local.toISOString().slice(0, 10);
  return new Date(`${day}T${entry.localTime}${entry.utcOffset}`);
}

export interface DemoCallOutcome {
  id: string;
  externalId: string;
  callId: string;
  created: boolean;
  transcript: 'uploaded' | 'pipeline';
}

export interface DemoCallsOptions {
  /**
   * Archive the calls without their reference transcripts, for the pipeline to transcribe with the speech model:
   * true, false (the references), or by default when a real model is installed for their languages.
   */
  transcribe?: boolean | undefined;
  /** With the fixture model: run the analysis workers in this process until every demo call is transcribed. */
  wait?: boolean;
  /** Longest wait for the pipeline, ms (default 10 minutes). */
  waitTimeoutMs?: number;
  dataDir?: string;
  now?: Date;
  print?: (line: string) => void;
  /** Also load a month of synthetic collections work (payments, promises, the ledger; default true). */
  collections?: boolean;
}

/** Whether the configured ASR model makes the demo transcribe its calls through the pipeline. */
export function demoUsesFixture(config: Config): boolean {
  const spec = parseAsrModelSpec(config.asrModel);
  return spec.default === FIXTURE_MODEL || Object.values(spec.byLanguage).includes(FIXTURE_MODEL);
}

/** How the demo calls get their transcripts, and why. */
export type DemoTranscription =
  { via: 'pipeline'; models: string[]; fixture: boolean } | { via: 'reference'; why: string };

/**
 * Real-time factors of the Whisper models measured on 2 cores (BENCHMARKS.md, "Speech recognition on real speech"):
 * how long the demo's transcription will take is said from them.
 */
const MEASURED_RTF: Readonly<Record<string, number>> = {
  'whisper-tiny': 0.12,
  'whisper-base': 0.24,
  'whisper-small': 0.4,
};

/**
 * The one place that decides whether the demo calls are transcribed by the speech model: always with the fixture
 * model, never with `--no-transcribe`, and otherwise when the model the pipeline would choose for each of their
 * languages is installed (`--transcribe` archives them for the pipeline even without one, as before).
 */
export async function demoTranscription(
  config: Config,
  languages: readonly string[],
  transcribe: boolean | undefined,
  store: ModelStore = new ModelStore({ modelsDir: config.modelsDir }),
): Promise<DemoTranscription> {
  if (demoUsesFixture(config)) return { via: 'pipeline', models: [FIXTURE_MODEL], fixture: true };
  if (transcribe === false) return { via: 'reference', why: '--no-transcribe' };
  const spec = parseAsrModelSpec(config.asrModel);
  const models = new Set<string>();
  for (const language of languages) {
    const choice = await chooseModel(spec, language, store);
    if (choice.ok) models.add(choice.name);
    else if (transcribe !== true) return { via: 'reference', why: choice.reason };
  }
  return { via: 'pipeline', models: [...models], fixture: false };
}

/** "about 2 min on 2 cores" for `audioMs` of calls transcribed by `models`, when they have been measured. */
export function transcriptionEstimate(models: readonly string[], audioMs: number): string | null {
  const rtf = Math.max(...models.map((m) => MEASURED_RTF[m] ?? Number.NaN));
  if (!Number.isFinite(rtf)) return null;
  const minutes = Math.max(1, Math.round((audioMs * rtf) / 60_000));
  return `about ${minutes} min on 2 cores`;
}

const minutesOf = (ms: number) => `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;

/** Archives the demo calls (those not archived yet). */
export async function loadDemoCalls(
  ctx: Services,
  options: DemoCallsOptions = {},
): Promise<DemoCallOutcome[]> {
  const dir = options.dataDir ?? DEMO_DATA_DIR;
  const print = options.print ?? (() => undefined);
  const manifest = await loadDemoManifest(dir);
  const references = new Map<string, ReferenceTranscript>();
  for (const entry of manifest.calls) {
    const file = path.join(dir, `${entry.id}.transcript.json`);
    references.set(entry.id, JSON.parse(await readFile(file, 'utf8')) as ReferenceTranscript);
  }
  const refs = [...references.values()];
  const how = await demoTranscription(
    ctx.config,
    [...new Set(refs.map((r) => r.language))],
    options.transcribe,
  );
  const viaPipeline = how.via === 'pipeline';
  const audioMs = refs.reduce((sum, r) => sum + r.durationMs, 0);
  const estimate = how.via === 'pipeline' && !how.fixture ? transcriptionEstimate(how.models, audioMs) : null;
  // Said once, before the first call archived now (a run that archives nothing has nothing to say).
  let said =
    how.via === 'reference'
      ? `demo calls: with the reference transcripts of their scripts (${how.why === '--no-transcribe' ? '--no-transcribe' : `not transcribed: ${how.why}`})`
      : `demo calls: archived without transcripts; the pipeline transcribes them with ${how.fixture ? 'the TEST FIXTURE model' : how.models.join(', ')}` +
        ` (${manifest.calls.length} calls, ${minutesOf(audioMs)} of audio${estimate ? `, ${estimate}` : ''})` +
        (how.fixture ? '' : '; --no-transcribe loads the reference transcripts instead');
  const outcomes: DemoCallOutcome[] = [];
  for (const entry of manifest.calls) {
    const script = await loadCallScript(path.join(dir, `${entry.id}.json`));
    const externalId = script.metadata?.externalId ?? `escucha-demo-${entry.id}`;
    const audio = path.join(dir, `${entry.id}.ogg`);
    const reference = references.get(entry.id)!;
    const transcript: UploadedTranscript = {
      language: reference.language,
      segments: reference.segments.map((s) => ({
        party: s.party,
        startMs: s.startMs,
        endMs: s.endMs,
        text: s.text,
      })),
    };
    const { size } = await stat(audio);
    const result = await ctx.archive.ingest({
      filePath: audio,
      sizeBytes: size,
      source: 'upload',
      metadata: { ...script.metadata, externalId, startedAt: demoStartedAt(entry, options.now) },
      ...(viaPipeline ? {} : { transcript }),
    });
    const outcome: DemoCallOutcome = {
      id: entry.id,
      externalId,
      callId: result.callId,
      created: result.created,
      transcript: viaPipeline ? 'pipeline' : 'uploaded',
    };
    outcomes.push(outcome);
    if (result.created && said) {
      print(said);
      said = '';
    }
    print(
      `demo call ${entry.id}: ${result.created ? 'archived' : 'already archived'} as ${result.callId}` +
        (result.created
          ? ` (transcript: ${outcome.transcript === 'uploaded' ? 'uploaded reference' : 'pipeline'})`
          : ''),
    );
  }
  return outcomes;
}

/** Waits until the transcribe stage of every call has an outcome (done, skipped or failed). */
async function waitForTranscripts(
  ctx: Services,
  callIds: string[],
  timeoutMs: number,
  print: (line: string) => void,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(callIds);
  while (pending.size > 0) {
    for (const id of [...pending]) {
      const outcome = (await ctx.outcomes.forCall(id)).find((o) => o.stage === 'transcribe');
      if (outcome && ['done', 'skipped', 'failed'].includes(outcome.status)) {
        pending.delete(id);
        print(
          `transcribed ${id}: ${outcome.status}${outcome.reason ? ` (${outcome.reason})` : ''}${outcome.model ? ` with ${outcome.model}` : ''}`,
        );
      }
    }
    if (pending.size === 0) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 500));
  }
  return true;
}

/** `escucha demo`'s call part: archive the demo calls, and with `--wait` transcribe them here. */
export async function runDemoCalls(
  config: Config,
  logger: Logger,
  options: DemoCallsOptions = {},
): Promise<void> {
  const print = options.print ?? ((line: string) => console.log(line));
  // Its analysis workers run as serve's do: a job pg-boss fails after the pool closed must not end the command.
  const unguard = guardProcess(logger);
  const ctx = await buildServices(config, { logger }).catch((error: unknown) => {
    unguard();
    throw error;
  });
  try {
    const outcomes = await loadDemoCalls(ctx, { ...options, print });
    const added = outcomes.filter((o) => o.created).length;
    print(`demo calls: ${added} archived, ${outcomes.length - added} already there`);
    if (options.collections !== false) {
      const { loadDemoCollections } = await import('./payments.command.ts');
      print(await loadDemoCollections(ctx.database.db, ctx.collections));
    }
    const fresh = outcomes.filter((o) => o.created && o.transcript === 'pipeline').map((o) => o.callId);
    if (fresh.length === 0) return;
    if (!options.wait) {
      print(
        '  transcripts: the workers of escucha serve transcribe them once it runs (escucha demo --wait: here, now)',
      );
      return;
    }
    const started = Date.now();
    const workers = await startWorkers(ctx);
    try {
      for (const note of workers.notes) print(`  ${note}`);
      const done = await waitForTranscripts(ctx, fresh, options.waitTimeoutMs ?? 600_000, print);
      if (!done) {
        throw new EscuchaError(
          'INTERNAL',
          'the demo calls were not transcribed in time; see escucha jobs list',
        );
      }
      print(`  ${fresh.length} demo calls transcribed in ${minutesOf(Date.now() - started)}`);
    } finally {
      await workers.stop();
    }
  } finally {
    await ctx.close();
  }
}

/**
 * Adds the demo calls to `escucha demo` (which creates the demo users): they are loaded after its own action,
 * unless `--no-calls`. Creates the command when it does not exist.
 */
export function registerDemoCalls(
  program: Command,
  config: () => Config,
  logger: (cfg: Config, level?: string) => Logger,
): void {
  const demo =
    program.commands.find((c) => c.name() === 'demo') ??
    program.command('demo').description('load the demo data');
  demo
    .description(`${demo.description()}; then load the demo calls (synthetic, with transcripts)`)
    .option('--no-calls', 'do not load the demo calls')
    .option('--no-collections', 'do not load the month of synthetic collections work (payments, promises)')
    .option(
      '--transcribe',
      'have the speech model transcribe the demo calls even when none is installed for their languages (the default when one is)',
    )
    .option(
      '--no-transcribe',
      "archive the demo calls with their scripts' reference transcripts instead of having the speech model transcribe them",
    )
    .option(
      '--wait',
      'when the speech model transcribes them: run the workers here until the demo calls are transcribed',
      false,
    )
    .hook('postAction', async (command) => {
      const opts = command.opts<{
        calls: boolean;
        wait: boolean;
        transcribe?: boolean;
        collections: boolean;
      }>();
      if (!opts.calls) return;
      const cfg = config();
      await runDemoCalls(cfg, logger(cfg, 'warn'), {
        wait: opts.wait,
        transcribe: opts.transcribe,
        collections: opts.collections,
      });
    });
}
