import { spawnSync } from 'node:child_process';
import { copyFile, mkdir } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCa, makeCertificate, type TestCertificate } from '../../support/tls-certificates.ts';
import {
  createWorkspace,
  freePort,
  requireTools,
  rtpRange,
  runSipp,
  startEscucha,
  waitForCalls,
  type ApiCall,
  type Running,
  type Workspace,
} from './e2e-harness.ts';

const SIPP_PCAPS = '/usr/share/sip-tester';

/** Whether this SIPp was built with OpenSSL (`-t l1`); Debian's sip-tester is not. */
const sippVersion = spawnSync('sipp', ['-v'], { encoding: 'utf8' });
const sippHasTls = /-TLS\b/.test(`${sippVersion.stdout}${sippVersion.stderr}`);
const NO_SIPP_TLS =
  'this SIPp was built without TLS (sipp -v lacks TLS; -t l1 needs SIPp compiled with OpenSSL)';

/**
 * `escucha serve` with SIP over TLS configured through its environment, recording calls that SIPp places: over SIPp's
 * own TLS transport where this SIPp has one, and in any case SIPp over TCP through a relay that carries each
 * connection to Escucha's TLS port in a verified TLS session (so the banner, the configuration and the archive are
 * exercised with a real TLS peer even where SIPp cannot speak TLS).
 */
describe('capture with SIPp over TLS', () => {
  let ws: Workspace;
  let serve: Running;
  let tlsPort: number;
  let ca: TestCertificate;
  let client: TestCertificate;
  const rtp = rtpRange();

  beforeAll(async () => {
    requireTools('sipp'); // openssl: the certificate helper names its install step
    if (!sippHasTls) console.warn(`SIPp's TLS transport is not tested: ${NO_SIPP_TLS}`);
    const sipPort = await freePort();
    tlsPort = await freePort();
    ws = await createWorkspace({
      ESCUCHA_SIP_PORT: String(sipPort),
      ESCUCHA_SIP_HOST: '127.0.0.1',
      ESCUCHA_RTP_PORTS: rtp.text,
      ESCUCHA_SIP_ACCEPT_PLAIN_INVITE: 'true',
    });
    const certs = path.join(ws.dir, 'certs');
    await mkdir(certs);
    ca = makeCa(certs, 'Escucha e2e CA');
    const server = makeCertificate(certs, ca, 'localhost', ['127.0.0.1']);
    client = makeCertificate(certs, ca, 'sbc1.example.net');
    serve = await startEscucha(
      ['serve'],
      {
        ...ws.env,
        ESCUCHA_DATA_DIR: path.join(ws.dir, 'serve'),
        ESCUCHA_SIP_TRANSPORTS: 'udp,tcp,tls',
        ESCUCHA_SIP_TLS_PORT: String(tlsPort),
        ESCUCHA_SIP_TLS_CERT: server.cert,
        ESCUCHA_SIP_TLS_KEY: server.key,
        ESCUCHA_SIP_TLS_CA: ca.cert,
        ESCUCHA_SIP_TLS_CLIENT_NAMES: 'sbc1.example.net',
      },
      /listening on/,
    );
  });

  afterAll(async () => {
    await serve?.stop();
    await ws?.close();
  });

  it('names the TLS listener in the start-up lines', async () => {
    await expect.poll(() => serve.output()).toContain('  web UI:');
    expect(serve.output()).toContain(`SIP TLS:   127.0.0.1:${tlsPort} (sips, TLS 1.2 or later`);
    expect(serve.output()).toContain('named sbc1.example.net');
  });

  it('escucha capture stops at start with CONFIG_INVALID naming the key file that does not belong to the certificate', async () => {
    const started = startEscucha(
      ['capture', '--no-hep'],
      {
        ...ws.env,
        ESCUCHA_DATA_DIR: path.join(ws.dir, 'bad-key'),
        ESCUCHA_SIP_PORT: String(await freePort()),
        ESCUCHA_SIP_TRANSPORTS: 'tls',
        ESCUCHA_SIP_TLS_PORT: String(await freePort()),
        ESCUCHA_SIP_TLS_CERT: path.join(ws.dir, 'certs', 'localhost.pem'),
        ESCUCHA_SIP_TLS_KEY: client.key,
      },
      /capture running/,
    );
    const error = await started.then(
      async (running) => {
        await running.stop();
        return new Error('escucha capture started');
      },
      (e: unknown) => e as Error,
    );
    expect(error.message).toMatch(/exited with [1-9]/);
    expect(error.message).toContain('CONFIG_INVALID');
    expect(error.message).toContain(client.key);
  });

  const uacPcap = async (name: string, target: string, transport: string[]) => {
    const work = path.join(ws.dir, name);
    await mkdir(path.join(work, 'pcap'), { recursive: true });
    for (const f of ['g711a.pcap', 'dtmf_2833_1.pcap'])
      await copyFile(path.join(SIPP_PCAPS, f), path.join(work, 'pcap', f));
    return runSipp(
      [
        '-sn',
        'uac_pcap',
        target,
        ...transport,
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
  };

  const expectUacPcapCall = (call: ApiCall) => {
    // g711a.pcap: 236 packets of 30 ms; the key press starts 8 s after the audio and lasts 280 ms.
    expect(Math.abs(call.durationMs - 8284)).toBeLessThan(150);
    expect(call.capture!.streams[0]).toMatchObject({ channel: 0, codec: 'PCMA', lost: 0 });
    expect(call.capture!.dtmf).toHaveLength(1);
  };

  it.skipIf(!sippHasTls)(
    `records SIPp's uac_pcap call sent over SIPp's own TLS transport (-t l1)${sippHasTls ? '' : ` [skipped: ${NO_SIPP_TLS}]`}`,
    async () => {
      const result = await uacPcap('uac-tls', `127.0.0.1:${tlsPort}`, [
        '-t',
        'l1',
        '-tls_cert',
        client.cert,
        '-tls_key',
        client.key,
        '-tls_ca',
        ca.cert,
      ]);
      expect(result.code, result.output).toBe(0);
      const calls = await waitForCalls(serve.url!, ws.adminKey, 'source=sip', 1);
      expectUacPcapCall(calls[0]!);
    },
  );

  it("records SIPp's uac_pcap call carried to the TLS port by a TLS relay with a client certificate", async () => {
    const before = sippHasTls ? 1 : 0;
    const sessions: string[] = [];
    const sockets = new Set<Socket>();
    const relay: Server = createServer((plain) => {
      const secure = tlsConnect({
        port: tlsPort,
        host: '127.0.0.1',
        servername: 'localhost',
        ca: ca.certPem,
        cert: client.certPem,
        key: client.keyPem,
      });
      secure.once('secureConnect', () => sessions.push(secure.getProtocol() ?? ''));
      for (const s of [plain, secure]) {
        sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => {
          plain.destroy();
          secure.destroy();
        });
      }
      plain.pipe(secure).pipe(plain);
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', () => resolve()));
    const address = relay.address();
    const relayPort = typeof address === 'object' && address ? address.port : 0;
    try {
      const result = await uacPcap('uac-relay', `127.0.0.1:${relayPort}`, ['-t', 't1']);
      expect(result.code, result.output).toBe(0);
      expect(sessions.length).toBeGreaterThanOrEqual(1);
      expect(sessions[0]).toMatch(/^TLSv1\.[23]$/);
      const calls = await waitForCalls(serve.url!, ws.adminKey, 'source=sip', before + 1);
      for (const call of calls) expectUacPcapCall(call);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
    }
  });
});
