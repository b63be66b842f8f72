import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnalysisRepository } from '../../../services/analysis/analysis.repository.ts';
import { analyzeCall, type TranscriptSegment } from '../../../services/analytics/index.ts';
import { createSentimentAnalyzer } from '../../../services/analytics/sentiment/index.ts';
import { buildCollections } from '../../../services/composition.ts';
import { loadConfig } from '../../../services/platform/config.ts';
import { buildWeb } from '../../../services/web/build.ts';
import { formatClock } from '../../../services/web/src/format.ts';
import { makeFixture } from '../../support/audio-fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import {
  BIN,
  launchChromium,
  newPage,
  screenshot,
  signIn,
  startServe,
  type ServeProcess,
} from './browser-support.ts';

const exec = promisify(execFile);

const SEGMENTS: TranscriptSegment[] = [
  {
    party: 'agent',
    channel: 0,
    startMs: 0,
    endMs: 2400,
    text: 'Buenos días, le habla Carolina de Cobranzas Andinas; esta llamada está siendo grabada.',
  },
  { party: 'customer', channel: 1, startMs: 2600, endMs: 4600, text: 'Sí, buenos días, dígame.' },
  {
    party: 'agent',
    channel: 0,
    startMs: 4800,
    endMs: 7800,
    text: 'Le llamo por el saldo pendiente de su tarjeta de crédito.',
  },
  {
    party: 'customer',
    channel: 1,
    startMs: 7600,
    endMs: 11_800,
    text: 'El viernes le pago doscientos mil pesos con la tarjeta cuatro cinco dos seis cero uno ocho uno cinco nueve cero ocho tres cero uno dos.',
  },
];

const METADATA = {
  startedAt: '2026-11-23T10:15:02-05:00',
  direction: 'outbound',
  agentId: 'A0042',
  agentName: 'Carolina Gómez',
  team: 'bogota-1',
  campaign: 'late-stage',
  currency: 'COP',
  region: 'CO',
  language: 'es',
};

/** Field names and shapes of the analytics result that must never reach the page as text. */
const RAW = [
  '{"',
  'talkMs',
  'agentTalkShare',
  'longestMonologue',
  'speakers.',
  'right_to_object',
  'recording_notice',
  'undefined',
  'NaN',
  '[object',
];

/**
 * The call page as a QA supervisor reads it, in Spanish and English: the analytics result the analytics stage
 * stores for a real transcript, drawn as checklists with times that play, talk figures, sentiment, the promise and
 * the kinds of sensitive data; no raw key or JSON anywhere. And the users page without account locks.
 */
describe('the call page in a browser', () => {
  let dir: string;
  let database: TestDatabase;
  let serve: ServeProcess;
  let browser: Browser;
  let env: NodeJS.ProcessEnv;
  let callId: string;
  const creds = new Map<string, { username: string; password: string }>();
  const cli = (args: string[]) => exec(process.execPath, [BIN, ...args], { env });

  beforeAll(async () => {
    browser = await launchChromium();
    dir = await mkdtemp('/tmp/escucha-call-page-');
    await chmod(dir, 0o755);
    await buildWeb({ quiet: true });
    database = await createTestDatabase();
    env = {
      ...process.env,
      DATABASE_URL: database.url,
      ESCUCHA_DATA_DIR: path.join(dir, 'var'),
      ESCUCHA_PORT: '0',
      ESCUCHA_LOG_LEVEL: 'warn',
      ESCUCHA_WORKERS_IN_SERVE: 'false',
    };
    serve = await startServe(env);
    for (const line of (await cli(['demo', '--no-calls'])).stdout.split('\n')) {
      const m = /^\s+(\w+)\s+(demo-[\w-]+)\s+(\S+)$/.exec(line);
      if (m) creds.set(m[1]!, { username: m[2]!, password: m[3]! });
    }
    const key = (await cli(['keys', 'create', '--role', 'ingest', '--name', 'call-page-test'])).stdout
      .trim()
      .split('\n')
      .pop()!;
    const audioDir = path.join(dir, 'audio');
    await mkdir(audioDir);
    const audio = await makeFixture(audioDir, 'wav-pcm', { seconds: 12, channels: 2, sampleRate: 16000 });
    const form = new FormData();
    form.append('file', new Blob([await readFile(audio)]), 'call.wav');
    form.append('metadata', JSON.stringify(METADATA));
    form.append(
      'transcript',
      JSON.stringify({ language: 'es', segments: SEGMENTS.map(({ channel: _c, ...s }) => s) }),
    );
    const res = await fetch(`${serve.url}/api/v1/recordings`, {
      method: 'POST',
      body: form,
      headers: { Authorization: `Bearer ${key}` },
    });
    const body = (await res.json()) as { id: string };
    expect(res.status, JSON.stringify(body)).toBe(201);
    callId = body.id;
    // What the analytics stage stores for this transcript (the workers are off in this serve).
    const analysis = analyzeCall(
      SEGMENTS,
      {
        callId,
        startedAt: METADATA.startedAt,
        region: 'CO',
        language: 'es',
        durationMs: 12_000,
        currency: 'COP',
      },
      { sentiment: createSentimentAnalyzer() },
    );
    // Stored as the analytics stage stores it: the promise found becomes a tracked promise of the ledger.
    const analyses = new AnalysisRepository(database.handle.db);
    const call = (await analyses.call(callId))!;
    const { ledger } = buildCollections(loadConfig({ env: {} }), database.handle.db, {
      recordFor: () => Promise.resolve(),
    });
    await analyses.store(callId, analysis, { disclosureProfile: 'co' }, (trx) =>
      ledger.recordAnalysis(trx, call, analysis),
    );
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    await database?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const noRawText = async (page: Page) => {
    const text = await page.locator('main').innerText();
    for (const raw of RAW) expect(text, raw).not.toContain(raw);
  };

  it('shows adherence and disclosure as checklists whose times play the call, in Spanish then English', async () => {
    const { context, page, errors } = await newPage(browser, 'es-CO');
    const qa = creds.get('qa_supervisor')!;
    await signIn(page, serve.url, qa.username, qa.password);
    await page.goto(`${serve.url}/calls/${callId}`);
    await page.locator('.waveform[data-ready=true]').waitFor({ timeout: 30_000 });
    await page.locator('#adherence li[data-rule]').first().waitFor();

    // Adherence: each rule with its status in words; the greeting passed, heard at 0:00.
    const greeting = page.locator('#adherence li[data-rule=greeting]');
    expect(await greeting.getAttribute('data-status')).toBe('passed');
    expect(await greeting.locator('.badge').first().textContent()).toBe('Cumple');
    expect(await greeting.locator('q').first().textContent()).toMatch(/buenos d[ií]as/i);
    const statuses = await page
      .locator('#adherence li[data-rule]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
    expect(statuses.length).toBeGreaterThan(3);
    expect(statuses).toContain('failed');
    // A time in the checklist plays from there.
    const debt = page.locator('#adherence li[data-rule=debt_mention] button.time').first();
    const at = Number(await debt.getAttribute('data-at'));
    expect(at).toBeGreaterThan(4000);
    await debt.click();
    await expect
      .poll(() => page.locator('[data-testid=clock]').textContent())
      .toMatch(new RegExp(`^${formatClock(at / 1000).replace('.', '\\.')} /`));

    // Disclosure: elements named in Spanish, with their status.
    const recorded = page.locator('#disclosure li[data-element=recorded]');
    expect(await recorded.locator('.check-name').textContent()).toBe('La llamada se graba');
    expect(await recorded.getAttribute('data-status')).toBe('on_time');
    expect(await page.locator('#disclosure li[data-element] .check-name').allTextContents()).not.toContain(
      'the agent says the call is recorded',
    );

    // Talk: the bar and m:ss / % figures; sentiment chart over the call; the promise; sensitive data by kind only.
    expect(await page.locator('#talk [data-testid=talk-bar] span').count()).toBeGreaterThanOrEqual(3);
    expect(await page.locator('#talk').innerText()).toMatch(/\d:\d\d \(\d+\s?%\)/);
    expect(await page.locator('#sentiment .chart canvas').count()).toBeGreaterThan(0);
    expect(['Positivo', 'Neutro', 'Negativo']).toContain(
      await page.locator('[data-testid=sentiment-overall]').textContent(),
    );
    const promise = await page.locator('#promises').innerText();
    expect(promise).toMatch(/200\.000/);
    expect(promise).toMatch(/vie/i);
    // The ledger's view of that promise, and a supervisor's correction of it from here (audited).
    const tracked = page.locator('#tracked-promises');
    await tracked.waitFor();
    await tracked.getByRole('button', { name: 'Corregir' }).click();
    await page.locator('#pc-amount').fill('150000');
    await page.locator('#pc-note').fill('dijo ciento cincuenta mil');
    await page.locator('#promise-correction button[type=submit]').click();
    await expect.poll(() => tracked.innerText()).toContain('corregida por un supervisor');
    expect(await tracked.innerText()).toMatch(/150\.000/);
    const pii = await page.locator('#pii').innerText();
    expect(pii).toContain('Número de tarjeta');
    expect(pii).not.toMatch(/4526|cuatro cinco/);
    await noRawText(page);
    await screenshot(page, 'call-page-es', dir);

    // The same page in English.
    await page.locator('header select').selectOption('en');
    await expect.poll(() => recorded.locator('.check-name').textContent()).toBe('The call is recorded');
    expect(await greeting.locator('.badge').first().textContent()).toBe('Passed');
    expect(await page.locator('#pii').innerText()).toContain('Card number');
    await noRawText(page);
    await page.locator('#disclosure').scrollIntoViewIfNeeded();
    await screenshot(page, 'call-analytics', dir);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);

  it('shows the alerts raised while the call was live, whose times play the call, to those who may see alerts', async () => {
    // Two alerts kept with the call through its capture, the second acknowledged (as the live transcriber and
    // the alerts page leave them).
    const db = database.handle.db;
    const captureId = '3b0d7e52-6a4f-4d8e-9c1a-58f0e2b7c913';
    await db
      .insertInto('call_captures')
      .values({
        call_id: callId,
        capture_id: captureId,
        source: 'siprec',
        recovered: false,
        truncated: false,
        one_way_audio: false,
        sample_rate: 8000,
        notes: '[]',
      })
      .execute();
    const alert = { capture_id: captureId, agent_id: 'A0042', team: 'bogota-1', language: 'es' };
    await db
      .insertInto('live_alerts')
      .values([
        {
          ...alert,
          kind: 'keyword',
          detail: 'lawyer: "abogado"',
          at_ms: 7600,
          raised_at: new Date('2026-11-23T15:15:12Z'),
          acknowledged_by: 'Laura Ruiz (QA)',
          acknowledged_at: new Date('2026-11-23T15:16:00Z'),
        },
        {
          ...alert,
          kind: 'disclosure_missing',
          detail: 'co: purpose',
          at_ms: 3000,
          raised_at: new Date('2026-11-23T15:15:06Z'),
        },
      ])
      .execute();
    const { context, page, errors } = await newPage(browser, 'es-CO');
    const qa = creds.get('qa_supervisor')!;
    await signIn(page, serve.url, qa.username, qa.password);
    await page.goto(`${serve.url}/calls/${callId}`);
    await page.locator('.waveform[data-ready=true]').waitFor({ timeout: 30_000 });
    const items = page.getByTestId('call-alert');
    await items.first().waitFor();
    // In call order, each with its kind in words, what raised it and its acknowledgement.
    expect(await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')))).toEqual([
      'disclosure_missing',
      'keyword',
    ]);
    expect(await items.nth(0).innerText()).toContain('Aviso de grabación no dado');
    expect(await items.nth(0).innerText()).toContain('Colombia: Para qué se graba'); // ids in words
    expect(await items.nth(0).getByTestId('call-alert-state').textContent()).toBe('Sin atender');
    expect(await items.nth(1).innerText()).toContain('Abogado: “abogado”');
    expect(await items.nth(1).innerText()).not.toContain('lawyer');
    expect(await items.nth(1).getByTestId('call-alert-state').textContent()).toMatch(
      /^Atendida por Laura Ruiz \(QA\), .*2026/,
    );
    // Its moment in the call plays from there.
    await items.nth(1).locator('button.time').click();
    await expect
      .poll(() => page.locator('[data-testid=clock]').textContent())
      .toMatch(new RegExp(`^${formatClock(7.6).replace('.', '\\.')} /`));
    await noRawText(page);
    await page.locator('#call-alerts').scrollIntoViewIfNeeded();
    await screenshot(page, 'call-alerts', dir);
    expect(errors).toEqual([]);
    await context.close();

    // A trainer reads the call but not its alerts: no panel, and the route refuses.
    const trainer = await newPage(browser, 'es-CO');
    const tr = creds.get('trainer')!;
    await signIn(trainer.page, serve.url, tr.username, tr.password);
    await trainer.page.goto(`${serve.url}/calls/${callId}`);
    await trainer.page.locator('.waveform[data-ready=true]').waitFor({ timeout: 30_000 });
    await trainer.page.locator('#metadata').waitFor();
    expect(await trainer.page.locator('#call-alerts').count()).toBe(0);
    const refused = await trainer.page.evaluate(
      async (id) => (await fetch(`/api/v1/calls/${id}/alerts`)).status,
      callId,
    );
    expect(refused).toBe(403);
    await trainer.context.close();
  }, 120_000);

  it('shows no account lock on the users page: sign-in is throttled, never locked', async () => {
    const { context, page, errors } = await newPage(browser, 'es-CO');
    const admin = creds.get('admin')!;
    await signIn(page, serve.url, admin.username, admin.password);
    await page.goto(`${serve.url}/users`);
    await page.locator('table tbody tr').first().waitFor();
    const text = await page.locator('main').innerText();
    expect(text).toContain('Activo');
    expect(text).not.toMatch(/Bloquead|Desbloquear|Unlock|Locked/);
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  it('says a wrong password in the user language', async () => {
    const { context, page } = await newPage(browser, 'es-CO');
    await page.goto(`${serve.url}/`);
    await page.locator('#login-username').fill('demo-qa');
    await page.locator('#login-password').fill('not-the-password');
    await page.locator('form button[type=submit]').click();
    await expect
      .poll(() => page.locator('.error').first().textContent())
      .toBe('Usuario o contraseña incorrectos, o la cuenta está desactivada.');
    await context.close();
  }, 60_000);
});
