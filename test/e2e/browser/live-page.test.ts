import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../../services/web/build.ts';
import {
  answerPorts,
  multipart,
  request as sipRequest,
  rtpPackets,
  sdpOffer,
  sendRtp,
  SipClient,
  siprecMetadata,
  startHarness,
  status,
  tone,
  type Harness,
} from '../../integration/capture/capture-harness.ts';
import { addUser, createAccountsTestApi, type AccountsTestApi } from '../../integration/web/web-support.ts';
import { launchChromium, newPage, pageShot, screenshot, signIn } from './browser-support.ts';

/**
 * The Live page in chromium while capture records a call: the call's row appears, its duration ticks and its
 * level meters move, its link leads to its live view, and the row goes when the call ends; the agent shows on a
 * call, then idle.
 */
describe('the Live page in a browser', () => {
  let api: AccountsTestApi;
  let h: Harness;
  let client: SipClient;
  let server: Server;
  let browser: Browser;
  let url: string;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp('/tmp/escucha-live-page-');
    browser = await launchChromium();
    const webDir = await buildWeb({ quiet: true, outDir: path.join(dir, 'web') });
    api = await createAccountsTestApi({ webDir });
    h = await startHarness({ liveTap: api.services.live });
    client = await SipClient.udp();
    server = api.app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 240_000);

  afterAll(async () => {
    server?.closeAllConnections();
    server?.close();
    client?.close();
    await h?.close();
    await api?.close();
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('shows a call in progress with its duration and levels, and takes it away when it ends', async () => {
    const qa = await addUser(api, 'qa_supervisor');
    const { context, page, errors } = await newPage(browser, 'es-CO');
    await signIn(page, url, qa.username, qa.password);
    await page.locator('header nav a', { hasText: 'En vivo' }).click();
    await page.locator('main h1', { hasText: 'En vivo' }).waitFor();
    await page.locator('#live-calls', { hasText: 'En vivo: los cambios se ven al momento.' }).waitFor();

    const callId = 'live-page-1';
    const { contentType, body } = multipart(
      sdpOffer([30200, 30202], { labels: ['1', '2'] }),
      siprecMetadata({
        callerAor: 'sip:+573001234567@carrier',
        calleeAor: 'sip:4711@pbx',
        labels: ['1', '2'],
      }),
    );
    const base = { callId, port: h.sipPort, clientPort: client.port };
    client.send(
      sipRequest({
        ...base,
        method: 'INVITE',
        cseq: 1,
        contentType,
        body,
        headers: ['Require: siprec', 'X-Agent-Id: 4711', 'X-Agent-Name: Ana Gómez', 'X-Team: norte'],
      }),
      h.sipPort,
    );
    const ok = await client.waitFor(status(200, 'INVITE'));
    const toTag = /tag=([^;\s]+)/.exec(ok.headers.get('To') ?? '')?.[1];
    client.send(sipRequest({ ...base, method: 'ACK', cseq: 1, toTag }), h.sipPort);

    const row = page.locator('table.live-calls tbody tr');
    await row.first().waitFor();
    expect(await row.count()).toBe(1);
    expect(await row.textContent()).toContain('Ana Gómez (4711)');
    expect(await row.textContent()).toContain('+573001234567');
    const captureId = await row.getAttribute('data-capture-id');
    expect(await row.locator('a', { hasText: 'Escuchar en vivo' }).getAttribute('href')).toBe(
      `/live/calls/${captureId}`,
    );
    const [p1, p2] = answerPorts(ok.body.toString());
    const speaking = Promise.all([
      sendRtp(rtpPackets({ samples: tone(1.5, 440), ssrc: 1 }), p1!),
      sendRtp(rtpPackets({ samples: tone(1.5, 660, 3000), ssrc: 2 }), p2!),
    ]);
    // The meters move off the floor and the duration ticks on the page's own clock.
    await expect
      .poll(() => row.locator('meter.level-agent').evaluate((m) => (m as HTMLMeterElement).value), {
        timeout: 5000,
      })
      .toBeGreaterThan(-60);
    const first = await row.getByTestId('live-duration').textContent();
    await expect
      .poll(() => row.getByTestId('live-duration').textContent(), { timeout: 3000 })
      .not.toBe(first);
    await page
      .locator('table.live-agents tbody tr', { hasText: '4711' })
      .filter({ hasText: 'En llamada' })
      .waitFor();
    await screenshot(page, 'live', dir);
    await pageShot(page, 'live-call-in-progress');
    await speaking;

    client.send(sipRequest({ ...base, method: 'BYE', cseq: 2, toTag }), h.sipPort);
    await client.waitFor(status(200, 'BYE'));
    await page.locator('#live-calls', { hasText: 'No se está grabando ninguna llamada ahora.' }).waitFor();
    await page
      .locator('table.live-agents tbody tr', { hasText: '4711' })
      .filter({ hasText: 'Libre' })
      .waitFor();
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);
});
