import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveFfmpegPaths } from '../../../services/archive/ffmpeg-path.ts';
import { buildWeb } from '../../../services/web/build.ts';
import { makeFixture } from '../../support/audio-fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { MESSAGES } from '../../../services/web/src/i18n.ts';
import {
  BIN,
  launchChromium,
  newPage,
  pageProblems,
  pageShot,
  screenshot,
  seriousViolations,
  settled,
  signIn,
  startServe,
  VIEWPORTS,
  type ServeProcess,
} from './browser-support.ts';

const exec = promisify(execFile);

const SPANISH_TRANSCRIPT = {
  language: 'es',
  segments: [
    {
      party: 'agent',
      startMs: 0,
      endMs: 2400,
      text: 'Buenos días, le habla Carolina de Cobranzas Andinas; esta llamada está siendo grabada.',
    },
    { party: 'customer', startMs: 2600, endMs: 4600, text: 'Sí, buenos días, dígame.' },
    {
      party: 'agent',
      startMs: 4800,
      endMs: 7800,
      text: 'Le llamo por el saldo pendiente de su tarjeta de crédito.',
    },
    { party: 'customer', startMs: 8000, endMs: 11500, text: 'Puedo hacer el pago el viernes, sin falta.' },
  ],
};
const ENGLISH_TRANSCRIPT = {
  language: 'en',
  segments: [
    {
      party: 'agent',
      startMs: 0,
      endMs: 3000,
      text: 'Good morning, this call is recorded for quality purposes.',
    },
    { party: 'customer', startMs: 3200, endMs: 6000, text: 'I already paid last week.' },
  ],
};

/**
 * The web UI end to end: `escucha serve` (the real CLI) on a test database serving the built UI, chromium signing
 * in as each role. Covers search, playback with the transcript following, a clip made and downloaded, the audit
 * log and its CSV, and `escucha audit verify` before and after tampering.
 */
describe('web UI in a browser', () => {
  let dir: string;
  let database: TestDatabase;
  let serve: ServeProcess;
  let browser: Browser;
  let env: NodeJS.ProcessEnv;
  const creds = new Map<string, { username: string; password: string }>();
  const calls: Record<string, string> = {};

  const cli = (args: string[]) => exec(process.execPath, [BIN, ...args], { env });

  beforeAll(async () => {
    browser = await launchChromium();
    dir = await mkdtemp('/tmp/escucha-browser-');
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

    const demo = await cli(['demo', '--no-calls']);
    for (const line of demo.stdout.split('\n')) {
      const m = /^\s+(\w+)\s+(demo-[\w-]+)\s+(\S+)$/.exec(line);
      if (m) creds.set(m[1]!, { username: m[2]!, password: m[3]! });
    }
    expect([...creds.keys()].sort()).toEqual([
      'admin',
      'agent',
      'compliance_officer',
      'qa_supervisor',
      'trainer',
    ]);

    const key = (await cli(['keys', 'create', '--role', 'ingest', '--name', 'browser-test'])).stdout
      .trim()
      .split('\n')
      .pop()!;
    const audioDir = path.join(dir, 'audio');
    await mkdir(audioDir);
    const audio = await makeFixture(audioDir, 'wav-pcm', { seconds: 12, channels: 2, sampleRate: 16000 });
    const upload = async (metadata: object, transcript?: object) => {
      const form = new FormData();
      form.append('file', new Blob([await readFile(audio)]), 'call.wav');
      form.append('metadata', JSON.stringify(metadata));
      if (transcript) form.append('transcript', JSON.stringify(transcript));
      const res = await fetch(`${serve.url}/api/v1/recordings`, {
        method: 'POST',
        body: form,
        headers: { Authorization: `Bearer ${key}` },
      });
      const body = (await res.json()) as { id: string };
      expect(res.status, JSON.stringify(body)).toBe(201);
      return body.id;
    };
    calls.promise = await upload(
      {
        startedAt: '2026-11-23T10:15:02-05:00',
        direction: 'outbound',
        callerNumber: '+57 601 555 0101',
        calleeNumber: '+57 300 123 4567',
        agentId: 'A0042',
        agentName: 'Carolina Gómez',
        team: 'bogota-1',
        customerRef: 'CUST-0099123',
        disposition: 'PTP',
        product: 'credit_card',
        campaign: 'late-stage',
        daysPastDue: 95,
        amountDue: 2500000,
        currency: 'COP',
        region: 'Bogotá',
        language: 'es',
      },
      SPANISH_TRANSCRIPT,
    );
    calls.untranscribed = await upload({
      startedAt: '2026-11-22T15:00:00-06:00',
      direction: 'inbound',
      agentId: 'A0007',
      agentName: 'Andrés López',
      team: 'cdmx',
      disposition: 'NO_ANSWER',
      campaign: 'early-stage',
      language: 'es',
    });
    calls.english = await upload(
      {
        startedAt: '2026-11-21T09:00:00-05:00',
        agentId: 'A0042',
        agentName: 'Carolina Gómez',
        team: 'bogota-1',
        campaign: 'late-stage',
        disposition: 'DISPUTE',
        language: 'en',
      },
      ENGLISH_TRANSCRIPT,
    );
    expect(serve.output()).toMatch(/web UI: {4}http:\/\/127\.0\.0\.1:\d+\//);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    await database?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lets a QA supervisor search, open a call, play it and follow the transcript', async () => {
    const { context, page, errors } = await newPage(browser, 'es-CO');
    const qa = creds.get('qa_supervisor')!;
    await page.goto(`${serve.url}/`);
    await page.locator('#login-username').waitFor();
    expect(await page.locator('h1').textContent()).toBe('Entrar en Escucha');
    await screenshot(page, 'login', dir);
    await signIn(page, serve.url, qa.username, qa.password);

    // Search: the three calls, then a transcript search for what the customer said.
    await page.locator('table.calls tbody tr').first().waitFor();
    expect(await page.locator('table.calls tbody tr').count()).toBe(3);
    await page.locator('#f-q').fill('pago viernes');
    await page.locator('#f-party').selectOption('customer');
    await page.locator('form.filters button[type=submit]').click();
    await page.waitForURL(/q=pago/);
    await expect.poll(() => page.locator('table.calls tbody tr').count()).toBe(1);
    expect(await page.locator('table.calls tbody tr td').nth(4).textContent()).toBe('PTP');
    await page.locator('#save-name').fill('Promesas de pago');
    await page.locator('form.save-search button').click();
    await page.locator('ul.saved a', { hasText: 'Promesas de pago' }).waitFor();
    await page.locator('button', { hasText: 'Restablecer' }).click();
    await expect.poll(() => page.locator('table.calls tbody tr').count()).toBe(3);
    await screenshot(page, 'search', dir);
    // Dates are typed the Spanish way whatever the browser's language; a day that does not exist is refused in words.
    const from = page.locator('#f-from');
    expect(await from.getAttribute('placeholder')).toBe('dd/mm/aaaa hh:mm');
    await from.fill('31/02/2026');
    await from.blur();
    expect(await page.locator('#f-from-error').textContent()).toBe(
      'Ese día no existe: escriba la fecha como dd/mm/aaaa hh:mm.',
    );
    expect(await from.getAttribute('aria-invalid')).toBe('true');
    // The browser refuses to submit the form while it holds a day that does not exist.
    expect(await page.locator('form.filters').evaluate((f: HTMLFormElement) => f.checkValidity())).toBe(
      false,
    );
    await page.locator('form.filters button[type=submit]').click();
    expect(new URL(page.url()).searchParams.has('from')).toBe(false);
    await from.fill('22/11/2026');
    await page.locator('form.filters button[type=submit]').click();
    await page.waitForURL(/from=2026-11-2/);
    await expect.poll(() => page.locator('table.calls tbody tr').count()).toBe(2);
    expect(await from.inputValue()).toBe('22/11/2026');
    await page.locator('button', { hasText: 'Restablecer' }).click();
    await expect.poll(() => from.inputValue()).toBe('');

    // The call page: waveform, transcript, play, and the highlight follows playback.
    await page.goto(`${serve.url}/calls/${calls.promise}`);
    await page.locator('.waveform[data-ready=true]').waitFor({ timeout: 30_000 });
    await page.locator('li.seg').first().waitFor();
    expect(await page.locator('li.seg').count()).toBe(4);
    await page.locator('[data-testid=play]').click();
    await page.locator('li.seg[data-index="1"][aria-current=true]').waitFor({ timeout: 15_000 });
    await page.locator('li.seg[data-index="2"][aria-current=true]').waitFor({ timeout: 15_000 });
    await page.locator('body').press(' ');
    await page.locator('[data-testid=play][aria-pressed=false]').waitFor();
    // Click a line: playback jumps there and that line is the current one.
    await page.locator('li.seg[data-index="3"] button').click();
    await page.locator('li.seg[data-index="3"][aria-current=true]').waitFor();
    await expect.poll(() => page.locator('[data-testid=clock]').textContent()).toMatch(/^0:08\.0 \//);
    // Keyboard: ] speeds up, ← goes back 5 s.
    await page.locator('body').press(']');
    await expect.poll(() => page.locator('.speed select').inputValue()).toBe('1.25');
    await page.locator('body').press('ArrowLeft');
    await expect.poll(() => page.locator('[data-testid=clock]').textContent()).toMatch(/^0:03\.0/);
    // A transcript line is a button: Tab reaches it, Enter plays from there.
    await page.locator('li.seg[data-index="2"] button').focus();
    await page.keyboard.press('Enter');
    await page.locator('li.seg[data-index="2"][aria-current=true]').waitFor();
    await expect.poll(() => page.locator('[data-testid=clock]').textContent()).toMatch(/^0:04\.8/);
    // Find in call.
    await page.locator('#find-in-call').fill('credito');
    await page.locator('li.seg.match').first().waitFor();
    expect(await page.locator('li.seg.match').count()).toBe(1);
    expect(await page.locator('li.seg.match mark').textContent()).toBe('crédito');
    await page.locator('#find-in-call').fill('');
    await page.locator('li.seg[data-index="1"] button').click();
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, 'call', dir);
    // What the analytics panels say, in words and in both languages, is the call page's own browser test's to check
    // (it also takes the README's screenshot of them, from a real analysis).

    // A call the pipeline has not transcribed says so.
    await page.goto(`${serve.url}/calls/${calls.untranscribed}`);
    await page.locator('[data-testid=not-analysed]').waitFor();
    expect(await page.locator('[data-testid=not-analysed]').textContent()).toMatch(/Aún no analizada/);
    expect(await page.locator('#disclosure .not-analysed').textContent()).toMatch(/analítica/);

    // The language switch.
    await page.locator('select[aria-label=Idioma]').selectOption('en');
    await page.locator('h2', { hasText: 'Transcript' }).waitFor();
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);

  it('shows an agent only their own calls and no compliance pages', async () => {
    const { context, page, errors } = await newPage(browser, 'en-US');
    const agent = creds.get('agent')!;
    await signIn(page, serve.url, agent.username, agent.password);
    await page.locator('table.calls tbody tr').first().waitFor();
    expect(await page.locator('table.calls tbody tr').count()).toBe(2);
    const navText = await page.locator('header nav').textContent();
    expect(navText).toContain('Search');
    expect(navText).not.toContain('Audit');
    await page.goto(`${serve.url}/calls/${calls.untranscribed}`);
    await page.locator('.error').waitFor();
    expect(await page.locator('.error').textContent()).toMatch(/This call does not exist/);
    await page.goto(`${serve.url}/audit`);
    await page.locator('main', { hasText: 'Your role cannot open this page' }).waitFor();
    expect(errors.filter((e) => !/404/.test(e))).toEqual([]);
    await context.close();
  }, 120_000);

  it('lets a trainer make a clip from the player and download it', async () => {
    const { context, page, errors } = await newPage(browser, 'en-US');
    const trainer = creds.get('trainer')!;
    await signIn(page, serve.url, trainer.username, trainer.password);
    await page.goto(`${serve.url}/library`);
    await page.locator('#col-name').fill('Good openings');
    await page.locator('#col-desc').fill('Greeting and recording notice within 10 seconds');
    await page.locator('button', { hasText: 'New collection' }).click();
    await page.waitForURL(/collection=/);

    await page.goto(`${serve.url}/calls/${calls.promise}`);
    await page.locator('.waveform[data-ready=true]').waitFor({ timeout: 30_000 });
    // Mark a range with the player: seek to the customer's line, "Start here", then 2.5 s later "End here".
    await page.locator('li.seg[data-index="1"] button').click();
    await page.locator('button', { hasText: 'Start here' }).click();
    await page.locator('li.seg[data-index="2"] button').click();
    await page.locator('button', { hasText: 'End here' }).click();
    await expect.poll(() => page.locator('#clip-start').inputValue()).toBe('2.6');
    await expect.poll(() => page.locator('#clip-end').inputValue()).toBe('4.8');
    await page.locator('#clip-title').fill('Customer answers the greeting');
    await page.locator('#clip-collection').selectOption({ label: 'Good openings' });
    await page.locator('#clip button[type=submit]').click();
    await page.locator('#clip .notice', { hasText: 'Clip saved' }).waitFor();

    await page.goto(`${serve.url}/library`);
    await page.locator('a', { hasText: 'Good openings' }).click();
    await page.locator('#collection-detail li', { hasText: 'Customer answers the greeting' }).waitFor();
    await screenshot(page, 'library', dir);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('#collection-detail a', { hasText: 'Download clip' }).click(),
    ]);
    const file = path.join(dir, 'clip.wav');
    await download.saveAs(file);
    expect(download.suggestedFilename()).toBe('Customer_answers_the_greeting.wav');
    const { stdout } = await exec(resolveFfmpegPaths().ffprobe, [
      '-v',
      'error',
      '-show_entries',
      'format=duration',
      '-of',
      'csv=p=0',
      file,
    ]);
    expect(Number(stdout)).toBeGreaterThan(2.1);
    expect(Number(stdout)).toBeLessThan(2.3);
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);

  it('lets compliance read the audit log of those actions, export it as CSV and verify the chain', async () => {
    const { context, page, errors } = await newPage(browser, 'en-US');
    const officer = creds.get('compliance_officer')!;
    await signIn(page, serve.url, officer.username, officer.password);
    await page.goto(`${serve.url}/audit`);
    await page.locator('table.audit tbody tr').first().waitFor();
    const text = await page.locator('table.audit').textContent();
    // Newest first: the trainer's clip and its export are on top.
    for (const expected of ['Exported', 'Clip created', 'Listened', 'demo-trainer'])
      expect(text).toContain(expected);
    for (const [action, who] of [
      ['saved_search_create', 'demo-qa'],
      ['search', 'demo-agent'],
      ['listen', 'demo-qa'],
    ]) {
      await page.locator('#a-action').selectOption(action!);
      await page.locator('form.filters button[type=submit]').click();
      await expect
        .poll(async () => {
          const badges = await page
            .locator('table.audit tbody tr .badge')
            .evaluateAll((bs) => bs.map((b) => b.getAttribute('data-action')));
          return badges.length > 0 && badges.every((b) => b === action);
        })
        .toBe(true);
      expect(await page.locator('table.audit').textContent()).toContain(who);
    }
    await screenshot(page, 'audit', dir);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-testid=export-csv]').click(),
    ]);
    const csvFile = path.join(dir, 'audit.csv');
    await download.saveAs(csvFile);
    const csv = await readFile(csvFile, 'utf8');
    const rows = csv.trim().split('\r\n');
    expect(rows[0]).toMatch(/^id,at,actor_type/);
    expect(rows.length).toBeGreaterThan(1);
    expect(rows.slice(1).every((r) => r.includes(',listen,'))).toBe(true);
    expect(rows.some((r) => r.includes('demo-qa') && r.includes(calls.promise!))).toBe(true);

    await page.locator('button', { hasText: 'Verify the chain' }).click();
    await page.locator('.notice', { hasText: 'Chain intact' }).waitFor();

    await page.goto(`${serve.url}/retention`);
    await page.locator('#p-name').fill('Early stage: 2 years');
    await page.locator('#p-campaign').fill('early-stage');
    await page.locator('#p-days').fill('730');
    await page.locator('button', { hasText: 'Add policy' }).click();
    await page.locator('#policies td', { hasText: 'Early stage: 2 years' }).waitFor();
    await page.locator('#h-call').fill(calls.promise!);
    await page.locator('#h-reason').fill('Customer complaint 2026-311');
    await page.locator('button', { hasText: 'Place hold' }).click();
    await page.locator('#holds li', { hasText: 'Customer complaint 2026-311' }).waitFor();
    await screenshot(page, 'retention', dir);
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);

  it('lets an admin manage users', async () => {
    const { context, page, errors } = await newPage(browser, 'es-CO');
    const admin = creds.get('admin')!;
    await signIn(page, serve.url, admin.username, admin.password);
    await page.goto(`${serve.url}/users`);
    await page.locator('#u-username').fill('laura.qa');
    await page.locator('#u-name').fill('Laura Ruiz');
    await page.locator('#u-role').selectOption('qa_supervisor');
    await page.locator('#u-langs').fill('es');
    await page.locator('#u-teams').fill('bogota-1');
    await page.locator('#new-user button[type=submit]').click();
    const notice = page.locator('.notice', { hasText: 'laura.qa' });
    await notice.waitFor();
    const password = /: (\S+)$/.exec((await notice.textContent()) ?? '')![1]!;
    await page.locator('td', { hasText: 'laura.qa' }).waitFor();
    await screenshot(page, 'users', dir);
    expect(errors).toEqual([]);
    await context.close();

    // Her scope in the browser: Spanish calls of bogota-1 only.
    const second = await newPage(browser, 'es-CO');
    await signIn(second.page, serve.url, 'laura.qa', password);
    await second.page.locator('table.calls tbody tr').first().waitFor();
    expect(await second.page.locator('table.calls tbody tr').count()).toBe(1);
    await second.context.close();
  }, 120_000);

  it('lets a QA supervisor claim a review item and complete its evaluation, answers pre-filled, score shown', async () => {
    // What the analytics and route stages store for the three calls (the workers are off in this serve).
    const pgc = new pg.Client({ connectionString: database.url });
    await pgc.connect();
    const analysis = async (
      callId: string,
      outcome: string,
      missing: string[],
      score: number,
      promise: boolean,
      talk: number,
    ) =>
      pgc.query(
        `INSERT INTO call_analysis (call_id, analytics_version, language, disclosure_profile, disclosure_outcome,
           adherence_script_id, adherence_script_version, adherence_score, adherence_passed, promise_to_pay,
           classification, sentiment_agent_score, sentiment_customer_score, result)
         VALUES ($1, 1, 'es', 'co', $2, 'collections-es', 1, $3::real, $3::real >= 70, $4, 'right_party', 0.3, 0.1, $5)`,
        [
          callId,
          outcome,
          score,
          promise,
          JSON.stringify({
            disclosure: { outcome, missing },
            adherence: {
              score,
              rules: [
                { id: 'greeting', passed: true },
                { id: 'closing', passed: false },
              ],
            },
            talk: { agentTalkShare: talk, silenceShare: 0.1, overtalk: { totalMs: 300 } },
          }),
        ],
      );
    await analysis(calls.promise!, 'partial', ['purpose'], 75, true, 0.55);
    await analysis(calls.untranscribed!, 'missing', ['recorded', 'purpose'], 40, false, 0.7);
    await analysis(calls.english!, 'disclosed', [], 90, false, 0.5);
    await pgc.query(`INSERT INTO review_queues (id, kind, language) VALUES ('qa-es', 'qa', 'es')`);
    await pgc.query(
      `INSERT INTO review_items (call_id, queue_id, reason, priority) VALUES ($1, 'qa-es', 'adherence 65 below 70; weekly sample for agent A-7', 3)`,
      [calls.promise],
    );
    await pgc.end();
    // An admin's evaluation form for the campaign, pre-filled from analytics.
    const adminKey = (await cli(['keys', 'create', '--role', 'admin', '--name', 'forms'])).stdout
      .trim()
      .split('\n')
      .pop()!;
    const yesNo = (id: string, es: string, en: string, weight: number, prefill: object) => ({
      id,
      type: 'yes_no',
      text: { es, en },
      weight,
      prefill,
    });
    const created = await fetch(`${serve.url}/api/v1/evaluation-forms`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${adminKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        id: 'late-stage-qa',
        name: 'Cobranza tardía',
        campaign: 'late-stage',
        questions: [
          yesNo('greeting', '¿Saludo según el guion?', 'Greeting as scripted?', 2, {
            source: 'adherence_rule',
            rule: 'greeting',
          }),
          yesNo('disclosure', '¿Dio el aviso de grabación?', 'Recording disclosure given?', 3, {
            source: 'disclosure_given',
          }),
          yesNo('promise', '¿Obtuvo promesa de pago?', 'Promise to pay obtained?', 1, {
            source: 'promise_to_pay',
          }),
          { id: 'empathy', type: 'scale', max: 4, weight: 2, text: { es: 'Empatía', en: 'Empathy' } },
        ],
      }),
    });
    expect(created.status, await created.clone().text()).toBe(201);

    const { context, page, errors } = await newPage(browser, 'es-CO');
    const qa = creds.get('qa_supervisor')!;
    await signIn(page, serve.url, qa.username, qa.password);
    await page.locator('header nav a', { hasText: 'Revisión' }).click();
    await page.locator('a[data-queue="qa-es"][aria-current=page]').waitFor();
    const row = page.locator(`table.review-items tr[data-item]`);
    await expect.poll(() => row.count()).toBe(1);
    // the route stage writes its reasons in English; a Spanish UI says them in Spanish
    expect(await row.textContent()).toContain(
      'cumplimiento 65 por debajo de 70; muestra semanal del agente A-7',
    );
    // Keyboard: focus the claim button and press Enter.
    await row.locator('button', { hasText: 'Tomar' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/review\/items\/[0-9a-f-]{36}$/);
    await page.locator('.waveform[data-ready=true]').waitFor({ timeout: 30_000 });
    // Pre-filled from analytics: greeting rule passed, partial disclosure → no, promise detected.
    await expect.poll(() => page.locator('#q-greeting input[value=yes]').isChecked()).toBe(true);
    expect(await page.locator('#q-disclosure input[value=no]').isChecked()).toBe(true);
    expect(await page.locator('#q-promise input[value=yes]').isChecked()).toBe(true);
    expect(await page.locator('#q-greeting .badge').textContent()).toContain('sugerida');
    await page.locator('#q-empathy').selectOption('3');
    // A comment at the customer's promise (8.0 s), then play elsewhere and click it: the player seeks back.
    await page.locator('li.seg[data-index="3"] button').click();
    await expect.poll(() => page.locator('[data-testid=clock]').textContent()).toMatch(/^0:08\.0 \//);
    await page.locator('#comment-text').fill('Promesa de pago para el viernes');
    await page.locator('#comment-text').press('Enter');
    await page.locator('.timed-comments li', { hasText: 'Promesa de pago para el viernes' }).waitFor();
    await page.locator('li.seg[data-index="0"] button').click();
    await expect.poll(() => page.locator('[data-testid=clock]').textContent()).toMatch(/^0:00\.0 \//);
    await page.locator('.timed-comments button[data-at="8000"]').click();
    await expect.poll(() => page.locator('[data-testid=clock]').textContent()).toMatch(/^0:08\.0 \//);
    await page.locator('#complete-review').click();
    // (2·1 + 3·0 + 1·1 + 2·¾) / 8 = 56.25 → 56.3, computed by the server
    await page.locator('[data-testid=score]', { hasText: 'Puntaje: 56,3 / 100' }).waitFor();
    expect(await page.locator('#q-empathy').isDisabled()).toBe(true);
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, 'review', dir);
    expect(errors).toEqual([]);
    const itemUrl = page.url();
    await context.close();

    // Calibration: an admin scores the same call; both evaluations are listed with their scores.
    const second = await newPage(browser, 'en-US');
    const admin = creds.get('admin')!;
    await signIn(second.page, serve.url, admin.username, admin.password);
    await second.page.goto(itemUrl);
    await second.page.locator('#calibrate').click();
    await expect.poll(() => second.page.locator('#q-disclosure input[value=no]').isChecked()).toBe(true);
    await second.page.locator('#q-empathy').selectOption('4');
    await second.page.locator('#complete-review').click();
    // (2·1 + 3·0 + 1·1 + 2·1) / 8 = 62.5
    await second.page.locator('.calibration li', { hasText: 'demo-admin' }).waitFor();
    const scores = await second.page.locator('.calibration li strong').allTextContents();
    expect(scores).toEqual(['56.3', '62.5']);
    expect(await second.page.locator('.calibration').textContent()).toContain('demo-qa');
    expect(second.errors).toEqual([]);
    await second.context.close();
  }, 180_000);

  it('lets compliance open the disclosure dashboard, export its CSV and see those actions in the audit log', async () => {
    const { context, page, errors } = await newPage(browser, 'en-US');
    const officer = creds.get('compliance_officer')!;
    await signIn(page, serve.url, officer.username, officer.password);
    await page.locator('header nav a', { hasText: 'Compliance' }).click();
    await expect.poll(() => page.locator('#coverage-trend table.coverage tbody tr').count()).toBe(3);
    expect(await page.locator('[data-testid=coverage-total]').textContent()).toBe(
      'Disclosed on time in 33.3 % of 3 analysed calls · late 0 % · partial 33.3 % · missing 33.3 %',
    );
    // The trend by day is a line; agents, teams and campaigns are bars.
    await page.locator('#coverage-trend .chart canvas').first().waitFor();
    await page.locator('button[data-by=team]').click();
    await page.locator('#coverage .hbars .hbar-label', { hasText: 'cdmx' }).waitFor();
    await page.locator('button[data-by=agent]').click();
    await page.locator('#coverage table.coverage th', { hasText: 'Andrés López (A0007)' }).waitFor();
    expect(await page.locator('#coverage .hbars .hbar-label').allTextContents()).toEqual([
      'Andrés López (A0007)',
      'Carolina Gómez (A0042)',
    ]);
    // The list of calls with a partial or missing disclosure loads on its own: wait for its rows.
    await expect.poll(() => page.locator('table.disclosure-calls tbody tr').count()).toBe(2);
    expect(await page.locator('table.disclosure-calls a').first().getAttribute('href')).toBe(
      `/calls/${calls.promise}`,
    );
    await screenshot(page, 'compliance', dir);
    // A bar opens the calls it counts: Andrés López's missing disclosure.
    await page
      .locator('#coverage .hbars a[aria-label^="Open the calls of Andrés López (A0007): Missing"]')
      .click();
    await page.waitForURL(/agentId=A0007/);
    expect(new URL(page.url()).searchParams.get('disclosure')).toBe('missing');
    await expect.poll(() => page.locator('table.calls tbody tr').count()).toBe(1);
    expect(await page.locator('table.calls tbody a').getAttribute('href')).toBe(
      `/calls/${calls.untranscribed}`,
    );
    await page.goBack();
    await page.locator('#coverage .hbars').waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-testid=export-coverage]').click(),
    ]);
    const file = path.join(dir, 'disclosure.csv');
    await download.saveAs(file);
    expect(download.suggestedFilename()).toMatch(/^escucha-disclosure-by-agent-.*\.csv$/);
    expect((await readFile(file, 'utf8')).trim().split('\r\n')).toEqual([
      'agent,label,disclosed,late,partial,missing,total,disclosed_pct,late_pct,partial_pct,missing_pct',
      'A0007,Andrés López,0,0,0,1,1,0,0,0,100',
      'A0042,Carolina Gómez,1,0,1,0,2,50,0,50,0',
    ]);

    // The administration pages are one menu: keyboard opens it, Escape closes it, a link opens the page.
    const adminMenu = page.locator('header nav .menu-button', { hasText: 'Administration' });
    await adminMenu.focus();
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Audit log');
    expect(await adminMenu.getAttribute('aria-expanded')).toBe('true');
    await page.keyboard.press('Escape');
    expect(await adminMenu.getAttribute('aria-expanded')).toBe('false');
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.classList.contains('menu-button')))
      .toBe(true);
    await adminMenu.click();
    await page.locator('header nav a', { hasText: 'Audit log' }).click();
    await page.waitForURL(/\/audit$/);
    expect(await adminMenu.getAttribute('aria-expanded')).toBe('false');
    for (const [action, expected] of [
      ['export', 'Disclosure coverage'],
      ['evaluation_complete', 'demo-qa'],
      ['review_claim', 'demo-qa'],
      ['evaluation_form_create', 'Cobranza tardía'],
    ]) {
      await page.locator('#a-action').selectOption(action!);
      await page.locator('form.filters button[type=submit]').click();
      await expect
        .poll(async () => {
          const badges = await page
            .locator('table.audit tbody tr .badge')
            .evaluateAll((bs) => bs.map((b) => b.getAttribute('data-action')));
          return badges.length > 0 && badges.every((b) => b === action);
        })
        .toBe(true);
      expect(await page.locator('table.audit').textContent()).toContain(expected);
    }
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);

  it('shows a QA supervisor agent metrics week by week', async () => {
    const { context, page, errors } = await newPage(browser, 'en-US');
    const qa = creds.get('qa_supervisor')!;
    await signIn(page, serve.url, qa.username, qa.password);
    await page.locator('header nav a', { hasText: 'Agents' }).click();
    await expect.poll(() => page.locator('table.agent-metrics tbody tr').count()).toBe(3);
    const rows = await page.locator('table.agent-metrics tbody tr').allTextContents();
    expect(rows[0]).toMatch(/^Andrés López \(A0007\)Nov 16, 2026140/);
    expect(rows[2]).toMatch(/^Carolina Gómez \(A0042\)Nov 23, 2026175/);
    expect(await page.locator('#agents-chart .chart canvas').count()).toBeGreaterThan(0);
    expect(
      await page.locator('#agents-bars .hbars a').evaluateAll((as) => as.map((a) => a.getAttribute('href'))),
    ).toEqual(['/?agentId=A0007', '/?agentId=A0042']);
    await page.locator('#g-metric').selectOption('disclosureRate');
    await page.locator('#agents-chart h2', { hasText: 'Disclosure rate per week' }).waitFor();
    await screenshot(page, 'agents', dir);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);

  it('shows every page in Spanish and English at 1280 and 1440 px without raw data, stray keys, overflow or serious accessibility faults', async () => {
    const keys = Object.keys(MESSAGES.en);
    const admin = creds.get('admin')!;
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    const reviewItem = (await db.query<{ id: string }>('SELECT id FROM review_items ORDER BY id LIMIT 1'))
      .rows[0]?.id;
    // A webhook subscription with a delivered event and a dead letter, for the webhooks page's tables (the page
    // never reads the sealed secret; delivery itself is test/integration/webhooks/).
    await db.query(`
      WITH s AS (
        INSERT INTO webhook_subscriptions (name, url, events, secret_sealed, created_by)
        VALUES ('CRM', 'https://crm.example.com/escucha', '{recording.archived,live.alert}', 'v1.sealed', 'admin')
        RETURNING id),
      e AS (
        INSERT INTO webhook_events (type, payload) VALUES ('recording.archived', '{"callId":null}') RETURNING id),
      d AS (
        INSERT INTO webhook_deliveries (event_id, subscription_id, status, attempts, attempt_limit, dead_at,
                                        last_status_code, last_error)
        SELECT e.id, s.id, 'dead', 2, 2, now(), 503, 'HTTP 503' FROM e, s
        RETURNING id)
      INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, status_code, error)
      SELECT d.id, n, now(), 40 * n, 503, 'HTTP 503' FROM d, generate_series(1, 2) n`);
    // Alerts kept with a call (raised while it was live, one acknowledged), for its call page.
    await db.query(
      `WITH c AS (
         INSERT INTO call_captures (call_id, capture_id, source, sample_rate)
         VALUES ($1, gen_random_uuid(), 'siprec', 8000)
         ON CONFLICT (call_id) DO UPDATE SET call_id = EXCLUDED.call_id
         RETURNING capture_id::text AS capture_id)
       INSERT INTO live_alerts (capture_id, kind, detail, at_ms, raised_at, acknowledged_by, acknowledged_at)
       SELECT c.capture_id, k.kind, k.detail, k.at_ms, now(), k.by, CASE WHEN k.by IS NULL THEN NULL ELSE now() END
       FROM c, (VALUES ('disclosure_missing', 'co: purpose', 3000, NULL),
                       ('keyword', 'lawyer: "abogado"', 9000, 'Laura Ruiz (QA)')) k(kind, detail, at_ms, by)`,
      [calls.promise],
    );
    await db.end();
    const found: string[] = [];
    for (const locale of ['es-CO', 'en-US']) {
      const lang = locale.slice(0, 2);
      const { context, page, errors } = await newPage(browser, locale);
      await page.setViewportSize(VIEWPORTS[0]);
      await page.goto(`${serve.url}/`);
      await page.locator('#login-username').waitFor();
      const look = async (name: string) => {
        await settled(page);
        // Accessibility once per page (the markup is the same in both languages, and axe takes seconds a page);
        // raw data, keys and overflow in each language at every size.
        for (const v of lang === 'es' ? await seriousViolations(page) : []) {
          found.push(
            `${lang} ${name}: axe ${v.impact} ${v.id} (${v.help}) at ${v.nodes.slice(0, 3).join(', ')}`,
          );
        }
        for (const viewport of VIEWPORTS) {
          await page.setViewportSize(viewport);
          for (const p of await pageProblems(page, keys))
            found.push(`${lang} ${name} ${viewport.width}px: ${p}`);
          await pageShot(page, `${lang}-${viewport.width}x${viewport.height}-${name}`);
        }
        await page.setViewportSize(VIEWPORTS[0]);
      };
      await look('login');
      await signIn(page, serve.url, admin.username, admin.password);
      const pages: [string, string][] = [
        ['search', '/'],
        ['search-filtered', `/?agentName=gomez&disclosure=partial%2Cmissing&promiseToPay=true`],
        ['call', `/calls/${calls.promise}`],
        ['call-untranscribed', `/calls/${calls.untranscribed}`],
        ['review', '/review'],
        ...(reviewItem ? [['review-item', `/review/items/${reviewItem}`] as [string, string]] : []),
        ['compliance', '/compliance'],
        ['agents', '/agents'],
        ['live', '/live'],
        ['collections', '/collections-follow-up'],
        ['library', '/library'],
        ['audit', '/audit'],
        ['retention', '/retention'],
        ['users', '/users'],
        ['live-call', '/live/calls/00000000-0000-4000-8000-000000000000'],
        ['webhooks', '/webhooks'],
        ['alerts', '/alerts'],
      ];
      for (const [name, url] of pages) {
        await page.goto(`${serve.url}${url}`);
        await page.locator('main h1').first().waitFor();
        await look(name);
      }
      expect(errors).toEqual([]);
      await context.close();
    }
    expect(found).toEqual([]);
  }, 300_000);

  it('fits the header on one row at 1280 px for every role, in Spanish and English', async () => {
    const heights: string[] = [];
    // Each role in a browser context of its own: nothing one user's session left behind reaches the next.
    for (const [role, { username, password }] of creds) {
      const { context, page, errors } = await newPage(browser, 'es-CO');
      await page.setViewportSize(VIEWPORTS[0]);
      await signIn(page, serve.url, username, password);
      for (const lang of ['Español', 'English']) {
        await page.locator('header .lang-switch select').selectOption({ label: lang });
        const height = await page.locator('header.topbar').evaluate((h) => h.getBoundingClientRect().height);
        if (height > 60) heights.push(`${role} ${lang}: ${height}px`);
      }
      await page.locator('header .lang-switch select').selectOption('es');
      await page.locator('header .user-menu .menu-button').click();
      await page.locator('header .user-menu button', { hasText: 'Salir' }).click();
      await page.locator('#login-username').waitFor();
      expect(errors).toEqual([]);
      await context.close();
    }
    expect(heights).toEqual([]);
  }, 120_000);

  it('proves the audit log untouched with `escucha audit verify`, and names the entry someone altered', async () => {
    const ok = await exec(process.execPath, [BIN, 'audit', 'verify'], { env });
    expect(ok.stdout).toMatch(/audit log intact: \d+ entries/);
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    const { rows } = await admin.query<{ id: string }>(
      `SELECT id FROM audit_log WHERE action = 'export' ORDER BY id LIMIT 1`,
    );
    const id = rows[0]!.id;
    await expect(
      admin.query(`UPDATE audit_log SET actor_name = 'nobody' WHERE id = $1`, [id]),
    ).rejects.toThrow(/append-only/);
    await admin.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
    await admin.query(`UPDATE audit_log SET details = '{"format":"wav"}' WHERE id = $1`, [id]);
    await admin.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
    await admin.end();
    const bad = await exec(process.execPath, [BIN, 'audit', 'verify'], { env }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((bad as { code: number }).code).toBe(1);
    expect((bad as { stderr: string }).stderr).toContain(
      `audit log ALTERED: entry ${id} does not match its hash`,
    );
  }, 60_000);
});
