import { execFile } from 'node:child_process';
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  BIN,
  createWorkspace,
  freePort,
  requireTools,
  rmsMs,
  rtpRange,
  runSipp,
  startEscucha,
  startTshark,
  storedAudio,
  tone,
  waitForCalls,
  writeRtpPcap,
  type ApiCall,
  type Running,
  type Workspace,
} from './e2e-harness.ts';

const exec = promisify(execFile);
const SIPP_PCAPS = '/usr/share/sip-tester';

/**
 * Escucha recording calls that SIPp places: a plain INVITE with SIPp's bundled G.711 A-law + RFC 2833 captures
 * (`-sn uac_pcap`), and a real SIPREC session (infra/sipp/siprec_src.xml) with two labelled streams played from a
 * capture file written by the test pcap writer. The same SIPREC call is also captured with tshark, imported with
 * `escucha import-pcap`, and captured live from the interface by `escucha serve` (ESCUCHA_CAPTURE_INTERFACE=lo), whose
 * live board shows it in progress; all recordings must agree.
 */
describe('capture with SIPp', () => {
  let ws: Workspace;
  let serve: Running;
  let sipPort: number;
  const rtp = rtpRange();

  beforeAll(async () => {
    requireTools('sipp', 'tshark', 'dumpcap');
    sipPort = await freePort();
    ws = await createWorkspace({
      ESCUCHA_SIP_PORT: String(sipPort),
      ESCUCHA_SIP_HOST: '127.0.0.1',
      ESCUCHA_RTP_PORTS: rtp.text,
      ESCUCHA_SIP_ACCEPT_PLAIN_INVITE: 'true',
    });
    serve = await startEscucha(
      ['serve'],
      { ...ws.env, ESCUCHA_DATA_DIR: path.join(ws.dir, 'serve') },
      /listening on/,
    );
  });

  afterAll(async () => {
    await serve?.stop();
    await ws?.close();
  });

  it("records SIPp's uac_pcap call (plain INVITE, A-law, RFC 2833 key press) with stats and the key press silenced", async () => {
    const work = path.join(ws.dir, 'uac');
    await mkdir(path.join(work, 'pcap'), { recursive: true });
    for (const f of ['g711a.pcap', 'dtmf_2833_1.pcap'])
      await copyFile(path.join(SIPP_PCAPS, f), path.join(work, 'pcap', f));
    const result = await runSipp(
      [
        '-sn',
        'uac_pcap',
        `127.0.0.1:${sipPort}`,
        '-m',
        '1',
        '-l',
        '1',
        '-i',
        '127.0.0.1',
        '-p',
        String(await freePort()),
        '-mp',
        String(await freePort()),
        '-timeout',
        '40',
      ],
      work,
    );
    expect(result.code, result.output).toBe(0);
    const [call] = (await waitForCalls(serve.url!, ws.adminKey, 'source=sip', 1)) as [ApiCall];
    // g711a.pcap: 236 packets of 30 ms (7.08 s); the key press starts 8 s after the audio and lasts 280 ms.
    expect(call.recordings[0]!.channels).toBe(2);
    expect(Math.abs(call.durationMs - 8284)).toBeLessThan(150);
    const capture = call.capture!;
    expect(capture.streams).toHaveLength(1);
    expect(capture.streams[0]).toMatchObject({ channel: 0, codec: 'PCMA', lost: 0 });
    expect(capture.streams[0]!.packets).toBeGreaterThanOrEqual(236 + 8);
    expect(capture.streams[0]!.mos).toBeGreaterThan(4);
    expect(capture.dtmf).toHaveLength(1);
    expect(capture.dtmf[0]).toMatchObject({ channel: 0, digit: 'X', method: 'rfc4733' }); // digits masked by default
    expect(Math.abs(capture.dtmf[0]!.startMs - 8000)).toBeLessThan(150);
    expect(call.custom.oneWayAudio).toBe(true);
    const [left] = await storedAudio(serve.url!, ws.adminKey, call.id, ws.dir);
    expect(rmsMs(left, 500, 6500)).toBeGreaterThan(300);
  });

  it('records a SIPREC session from SIPp: 2 channels, duration as sent, DTMF recorded and silenced, RTP stats; tshark capture, import-pcap and live capture agree', async () => {
    const work = path.join(ws.dir, 'siprec');
    await mkdir(work, { recursive: true });
    await copyFile(path.resolve('infra/sipp/siprec_src.xml'), path.join(work, 'siprec_src.xml'));
    // Customer (label 1): 4 s at 440 Hz with a key press 1500–1800 ms carrying the DTMF '5' tone in band.
    const customer = tone(4000, 440, 8000);
    customer.set(tone(300, 770, 12000, 1336), 1500 * 8);
    const agent = tone(4000, 660, 6000);
    await writeRtpPcap(path.join(work, 'pcap', 'siprec-streams.pcap'), [
      {
        samples: customer,
        ssrc: 0x11111111,
        srcPort: 6000,
        dstPort: 7000,
        dtmf: { event: 5, startMs: 1500, durationMs: 300 },
      },
      { samples: agent, ssrc: 0x22222222, srcPort: 6002, dstPort: 7002 },
    ]);

    // Captured live from the interface by a second `escucha serve` (no SIP server of its own), whose live board
    // shows the call while SIPp still sends it.
    const live = await startEscucha(
      ['serve'],
      {
        ...ws.env,
        ESCUCHA_DATA_DIR: path.join(ws.dir, 'live'),
        ESCUCHA_SIP_PORT: '0',
        ESCUCHA_CAPTURE_INTERFACE: 'lo',
        ESCUCHA_CAPTURE_FILTER: `udp port ${sipPort} or udp portrange ${rtp.min}-${rtp.max}`,
        ESCUCHA_DTMF_DIGITS: 'stored',
        ESCUCHA_LIVE_TRANSCRIPT: 'off',
      },
      /live: +capturing on lo/,
    );
    let sending = true;
    let onBoard: { agentId: string | null; source: string } | undefined;
    const watching = (async () => {
      while (sending && !onBoard) {
        const board = await api<{ items: Array<{ agentId: string | null; source: string }> }>(
          live.url!,
          ws.adminKey,
          '/live/calls',
        );
        onBoard = board.items[0];
        if (!onBoard) await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const capFile = path.join(work, 'call.pcapng');
    const tshark = await startTshark(capFile, `udp port ${sipPort} or udp portrange ${rtp.min}-${rtp.max}`);
    let result;
    try {
      result = await runSipp(
        [
          '-sf',
          'siprec_src.xml',
          `127.0.0.1:${sipPort}`,
          '-m',
          '1',
          '-l',
          '1',
          '-i',
          '127.0.0.1',
          '-p',
          String(await freePort()),
          '-mp',
          String(await freePort()),
          '-set',
          'play_ms',
          '4300',
          '-timeout',
          '40',
        ],
        work,
      );
    } finally {
      sending = false;
      await new Promise((r) => setTimeout(r, 1000)); // let the last packets (BYE, 200) reach the file
      await tshark.stop();
    }
    expect(result.code, result.output).toBe(0);
    await watching;
    expect(onBoard).toMatchObject({ agentId: 'A-4711', source: 'pcap' });

    const [server] = (await waitForCalls(serve.url!, ws.adminKey, 'source=siprec', 1)) as [ApiCall];
    expect(server.recordings[0]!.channels).toBe(2);
    expect(Math.abs(server.durationMs - 4000)).toBeLessThanOrEqual(100);
    expect(server).toMatchObject({
      agentId: 'A-4711',
      campaign: 'late-stage',
      disposition: 'PTP',
      direction: 'inbound',
      callerNumber: '+573001112233',
    });
    expect(server.participants).toEqual([
      expect.objectContaining({ role: 'agent', channel: 0, number: '4711' }),
      expect.objectContaining({ role: 'customer', channel: 1, number: '+573001112233' }),
    ]);
    const streams = server.capture!.streams;
    expect(streams.map((s) => [s.label, s.channel])).toEqual([
      ['2', 0],
      ['1', 1],
    ]);
    expect(streams.map((s) => s.packets)).toEqual([200, 200 + 17]); // 15 event packets + 2 end repeats on label 1
    expect(streams.every((s) => s.lost === 0 && s.mos > 4 && s.jitterMs < 20)).toBe(true);
    expect(server.capture!.dtmf).toEqual([
      expect.objectContaining({ channel: 1, method: 'rfc4733', durationMs: 300 }),
    ]);
    expect(Math.abs(server.capture!.dtmf[0]!.startMs - 1500)).toBeLessThan(40);

    const [left, right] = await storedAudio(serve.url!, ws.adminKey, server.id, ws.dir);
    const around = rmsMs(right, 1000, 1450);
    expect(around).toBeGreaterThan(2000);
    expect(rmsMs(right, 1520, 1780)).toBeLessThan(around / 100); // the key press is silence in the archive
    expect(rmsMs(left, 1520, 1780)).toBeLessThan(around / 100);
    expect(rmsMs(left, 2500, 3500)).toBeGreaterThan(1500);

    // The same call captured with tshark and imported, and captured live from the interface.
    const sipCallId = (await waitForCalls(serve.url!, ws.adminKey, 'source=siprec', 1))[0]!.sipCallId!;
    const imported = await exec(process.execPath, [BIN, 'import-pcap', capFile], {
      env: { ...ws.env, ESCUCHA_DATA_DIR: path.join(ws.dir, 'import'), ESCUCHA_DTMF_DIGITS: 'stored' },
    });
    expect(imported.stdout).toMatch(/imported 1 calls from 1 files, already archived 0, failed 0/);
    // The same capture again: the call is recognised and not archived twice.
    const importEnv = {
      ...ws.env,
      ESCUCHA_DATA_DIR: path.join(ws.dir, 'import'),
      ESCUCHA_DTMF_DIGITS: 'stored',
    };
    const again = await exec(process.execPath, [BIN, 'import-pcap', capFile], { env: importEnv });
    expect(again.stdout).toMatch(/archived [0-9a-f-]{36} \(already archived\)/);
    expect(again.stdout).toMatch(/imported 0 calls from 1 files, already archived 1 \(skipped; --force/);
    const copies = await waitForCalls(
      serve.url!,
      ws.adminKey,
      `source=pcap&sipCallId=${encodeURIComponent(sipCallId)}`,
      2,
      60_000,
    );
    await live.stop();
    expect(copies).toHaveLength(2);
    for (const copy of copies) {
      expect(copy.capture).toMatchObject({ truncated: false, recovered: false });
      expect(Math.abs(copy.durationMs - server.durationMs)).toBeLessThanOrEqual(40);
      expect(copy).toMatchObject({
        agentId: 'A-4711',
        campaign: 'late-stage',
        disposition: 'PTP',
        callerNumber: '+573001112233',
      });
      expect(copy.capture!.streams.map((s) => [s.channel, s.packets]).sort()).toEqual([
        [0, 200],
        [1, 217],
      ]);
      expect(copy.capture!.dtmf.map((d) => [d.digit, d.channel])).toEqual([['5', 1]]);
      expect(Math.abs(copy.capture!.dtmf[0]!.startMs - 1500)).toBeLessThan(40);
      const [l, r] = await storedAudio(serve.url!, ws.adminKey, copy.id, ws.dir);
      for (let t = 0; t < 3900; t += 250) {
        for (const [a, b] of [
          [left, l],
          [right, r],
        ] as const) {
          const x = rmsMs(a, t, t + 250);
          const y = rmsMs(b, t, t + 250);
          expect(Math.abs(x - y)).toBeLessThanOrEqual(Math.max(150, 0.1 * x));
        }
      }
    }
    expect((await readdir(path.join(ws.dir, 'live', 'spool')).catch(() => [])).length).toBe(0);
  }, 180_000);

  it("imports SIPp's bundled captures (RTP without SIP) as calls, with the key press", async () => {
    const { stdout } = await exec(
      process.execPath,
      [BIN, 'import-pcap', path.join(SIPP_PCAPS, 'g711a.pcap'), path.join(SIPP_PCAPS, 'dtmf_2833_1.pcap')],
      {
        env: { ...ws.env, ESCUCHA_DATA_DIR: path.join(ws.dir, 'bundled') },
      },
    );
    expect(stdout).toMatch(/imported 2 calls from 2 files, already archived 0, failed 0/);
    const calls = await waitForCalls(
      serve.url!,
      ws.adminKey,
      'source=pcap&sipCallId=' + encodeURIComponent('rtp:10.1.3.143:5000|10.1.6.18:2006'),
      1,
    );
    expect(calls[0]!.durationMs).toBe(7080);
    expect(calls[0]!.capture!.streams[0]).toMatchObject({ codec: 'PCMA', packets: 236, lost: 0 });
    const dtmf = await waitForCalls(
      serve.url!,
      ws.adminKey,
      'source=pcap&sipCallId=' + encodeURIComponent('rtp:192.168.0.1:10000|192.168.0.3:49176'),
      1,
    );
    expect(dtmf[0]!.capture!.dtmf).toEqual([expect.objectContaining({ durationMs: 280, method: 'rfc4733' })]);
  });
});
