import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachLiveAudio } from '../../../services/api/live/live-audio.socket.ts';
import { buildWeb } from '../../../services/web/build.ts';
import { silentLogger } from '../../../services/platform/logger.ts';
import { LiveRepository } from '../../../services/live/live.repository.ts';
import { addUser, createAccountsTestApi, type AccountsTestApi } from '../../integration/web/web-support.ts';
import { MESSAGES } from '../../../services/web/src/i18n.ts';
import { launchChromium, newPage, pageProblems, seriousViolations, signIn } from './browser-support.ts';

/**
 * The live call page in Chromium: signed in with a session, it opens the live-audio WebSocket of a call in progress
 * and plays its frames (the frame count, the latency and the level meters move), then says the call ended. The
 * hub is fed as capture feeds it (test/integration/live covers capture itself). The app shell's alert notice shows
 * an alert the hub publishes within 2 s, on whatever page the supervisor is.
 */
describe('the live call page in Chromium', () => {
  let api: AccountsTestApi;
  let server: Server;
  let url: string;
  let browser: Browser;
  let webDir: string;

  beforeAll(async () => {
    webDir = await mkdtemp(path.join(os.tmpdir(), 'escucha-web-'));
    [browser] = await Promise.all([launchChromium(), buildWeb({ quiet: true, outDir: webDir })]);
    api = await createAccountsTestApi({ webDir });
    server = createServer(api.app);
    attachLiveAudio(server, { ...api.accounts, listen: api.services.liveListen, logger: silentLogger() });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    await api?.close();
    await rm(webDir, { recursive: true, force: true });
  });

  it('plays a call in progress and shows how far behind it is', async () => {
    const hub = api.services.live;
    const captureId = randomUUID();
    const startedAtMs = Date.now();
    hub.started({
      captureId,
      source: 'sip',
      startedAtMs,
      metadata: { agentId: '2001' },
      pausedSinceMs: null,
    });
    // 20 ms of each party every 20 ms, as the jitter buffers play them out.
    let sent = 0;
    const feed = setInterval(() => {
      const atMs = startedAtMs + sent * 20;
      for (const channel of [0, 1]) {
        const samples = Int16Array.from({ length: 160 }, (_, i) =>
          Math.round(
            (channel ? 3000 : 6000) *
              Math.sin(((sent * 160 + i) * (channel ? 440 : 660) * 2 * Math.PI) / 8000),
          ),
        );
        hub.audio(captureId, {
          channel,
          track: channel,
          sampleRate: 8000,
          position: sent * 160,
          arrivalMs: atMs,
          atMs,
          samples,
          voiced: true,
        });
      }
      sent++;
    }, 20);
    try {
      const supervisor = await addUser(api, 'qa_supervisor');
      const { context, page, errors } = await newPage(browser, 'en-US');
      await signIn(page, url, supervisor.username, supervisor.password);
      await page.goto(`${url}/live/calls/${captureId}`);
      await page.locator('main h1', { hasText: 'Call in progress' }).waitFor();
      await page.getByRole('button', { name: 'Listen' }).click();
      const player = page.getByTestId('live-player');
      await expect.poll(() => player.getAttribute('data-status'), { timeout: 20_000 }).toBe('listening');
      await expect
        .poll(async () => Number(await player.getAttribute('data-frames')), { timeout: 20_000 })
        .toBeGreaterThan(10);
      expect(await page.getByTestId('live-latency').textContent()).toMatch(/^\d+\.\d s behind the call$/);
      expect(Number(await page.getByTestId('live-level-agent').getAttribute('value'))).toBeGreaterThan(-30);
      // While it plays: no serious accessibility fault, no raw key or overflow.
      expect(await seriousViolations(page)).toEqual([]);
      expect(await pageProblems(page, Object.keys(MESSAGES.en))).toEqual([]);
      // One party only: a new listen, mono.
      await page.keyboard.press('2');
      const parties = async () =>
        (await api.accounts.audit.list({ actions: ['listen_live'], limit: 10 })).items
          .filter((e) => e.targetId === captureId)
          .map((e) => e.details?.party);
      await expect.poll(parties, { timeout: 20_000 }).toEqual(['agent', 'both']);
      // Mono frames of the agent: the customer's meter falls back to its floor.
      await expect
        .poll(async () => Number(await page.getByTestId('live-level-customer').getAttribute('value')), {
          timeout: 20_000,
        })
        .toBe(-60);
      await expect.poll(() => player.getAttribute('data-status')).toBe('listening');
      hub.ended(captureId, Date.now(), 'bye');
      await expect.poll(() => player.getAttribute('data-status')).toBe('ended');
      expect(errors).toEqual([]);
      await context.close();
    } finally {
      clearInterval(feed);
    }
  }, 120_000);

  it('shows a new alert in the app shell within 2 s, with its link to listen in', async () => {
    const supervisor = await addUser(api, 'qa_supervisor');
    const { context, page, errors } = await newPage(browser, 'en-US');
    await signIn(page, url, supervisor.username, supervisor.password);
    await page.goto(`${url}/alerts`);
    await page.locator('main h1', { hasText: 'Alerts' }).waitFor();
    // The page's own marker that the alerts' event stream is open (nothing else would tell the test).
    await page.locator('[data-testid=alert-notices][data-feed=open]').waitFor({ state: 'attached' });
    const captureId = randomUUID();
    const raisedAt = new Date();
    // Stored, then published, as the live transcriber raises one.
    const alert = await new LiveRepository(api.database.handle.db).addAlert({
      captureId,
      kind: 'disclosure_missing',
      detail: 'No recording notice in the first 30 s',
      atMs: 31_000,
      raisedAt,
      agentId: '2001',
      team: null,
      language: 'en',
    });
    const published = Date.now();
    api.services.live.emit('alert', alert);
    const notice = page.getByTestId('alert-notice');
    // Waited for longer than the target, so that a late notice fails on its measured delay.
    await notice.waitFor({ timeout: 10_000 });
    const shownAfterMs = Date.now() - published;
    expect(shownAfterMs).toBeLessThan(2000);
    await expect.poll(() => notice.textContent()).toContain('No recording notice in the first 30 s');
    expect(await notice.getByRole('link', { name: 'Listen live' }).getAttribute('href')).toBe(
      `/live/calls/${captureId}`,
    );
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
  it("keeps one alerts stream for all the browser's tabs, and another tab takes it over when its tab closes", async () => {
    const supervisor = await addUser(api, 'qa_supervisor');
    const { context, page: first, errors } = await newPage(browser, 'en-US');
    const streams: string[] = [];
    context.on('request', (r) => {
      if (r.url().endsWith('/live/alerts/events'))
        streams.push(r.frame().page() === first ? 'first' : 'other');
    });
    await signIn(first, url, supervisor.username, supervisor.password);
    await first.locator('[data-testid=alert-notices][data-feed=open]').waitFor({ state: 'attached' });
    // Two more tabs of the same browser: they hear the first tab's stream.
    const tabs = [await context.newPage(), await context.newPage()];
    for (const tab of tabs) {
      tab.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
      await tab.goto(`${url}/alerts`);
      await tab.locator('[data-testid=alert-notices][data-feed=open]').waitFor({ state: 'attached' });
    }
    const raise = async (detail: string) => {
      const alert = await new LiveRepository(api.database.handle.db).addAlert({
        captureId: randomUUID(),
        kind: 'disclosure_missing',
        detail,
        atMs: 31_000,
        raisedAt: new Date(),
        agentId: '2001',
        team: null,
        language: 'en',
      });
      api.services.live.emit('alert', alert);
    };
    await raise('Shared stream, first alert');
    for (const page of [first, ...tabs]) {
      await expect
        .poll(() => page.getByTestId('alert-notices').textContent(), { timeout: 10_000 })
        .toContain('Shared stream, first alert');
    }
    expect(streams).toEqual(['first']);
    // The tab holding it closes: one of the others opens the stream and the rest hear it there.
    await first.close();
    await expect.poll(() => streams.length, { timeout: 10_000 }).toBe(2);
    for (const tab of tabs) {
      await tab.locator('[data-testid=alert-notices][data-feed=open]').waitFor({ state: 'attached' });
    }
    await raise('Shared stream, after the first tab closed');
    for (const tab of tabs) {
      await expect
        .poll(() => tab.getByTestId('alert-notices').textContent(), { timeout: 10_000 })
        .toContain('Shared stream, after the first tab closed');
    }
    expect(streams).toEqual(['first', 'other']);
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);
});
