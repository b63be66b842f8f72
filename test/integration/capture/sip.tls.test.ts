import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../services/platform/logger.ts';
import { makeCa, makeCertificate, type TestCertificate } from '../../support/tls-certificates.ts';
import {
  answerPorts,
  multipart,
  readWav,
  request,
  rms,
  rtpPackets,
  sdpOffer,
  sendRtp,
  SipClient,
  siprecMetadata,
  startHarness,
  status,
  tone,
  type Harness,
} from './capture-harness.ts';

/**
 * SIP over TLS on real sockets with certificates made by openssl: SIPREC and plain SIP recorded over TLS, the
 * client-certificate check, the allow-list before any handshake, the caps shared with TCP, and bad certificate files
 * refused at start.
 */

let dir: string;
let ca: TestCertificate;
let otherCa: TestCertificate;
let server: TestCertificate;
let sbc: TestCertificate;
let stranger: TestCertificate;
let rogue: TestCertificate;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'escucha-sip-tls-'));
  ca = makeCa(dir, 'Escucha Test CA');
  otherCa = makeCa(dir, 'Other CA');
  server = makeCertificate(dir, ca, 'localhost', ['127.0.0.1']);
  sbc = makeCertificate(dir, ca, 'sbc1.example.net');
  stranger = makeCertificate(dir, ca, 'sbc9.example.net');
  rogue = makeCertificate(dir, otherCa, 'sbc1.example.net');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const tlsOf = (extra: object = {}) => ({ port: 0, cert: server.cert, key: server.key, ...extra });
const toTagOf = (r: { headers: { get(n: string): string | undefined } }) =>
  /tag=([^;\s]+)/.exec(r.headers.get('To') ?? '')?.[1];

/** Resolves once the socket is closed (true) or after `ms` (false). */
const closedWithin = (socket: Socket, ms: number) =>
  new Promise<boolean>((resolve) => {
    if (socket.destroyed) return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });

/**
 * Connects over TLS and, if the handshake lets it, sends an OPTIONS: what the client saw (handshake done, bytes of
 * SIP answered, closed by the server).
 */
async function attempt(
  port: number,
  options: ConnectionOptions,
  localAddress = '127.0.0.1',
): Promise<{ secured: boolean; answered: boolean; closed: boolean }> {
  const tcp = connect({ port, host: '127.0.0.1', localAddress });
  tcp.on('error', () => undefined);
  const socket = tlsConnect({ socket: tcp, servername: 'localhost', ca: ca.certPem, ...options });
  let secured = false;
  let answered = false;
  socket.on('error', () => undefined);
  socket.on('data', () => (answered = true));
  socket.once('secureConnect', () => {
    secured = true;
    socket.write(
      request({ callId: 'refused-1', port, clientPort: 1, method: 'OPTIONS', cseq: 1, transport: 'TLS' }),
    );
  });
  const closed = await closedWithin(socket, 3000);
  socket.destroy();
  return { secured, answered, closed };
}

describe('SIP over TLS', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({}, { transports: ['udp', 'tcp', 'tls'], acceptPlainInvite: true, tls: tlsOf() });
  });

  afterAll(async () => {
    await h.close();
  });

  it('listens on its own port beside UDP and TCP and presents the configured certificate, TLS 1.2 or later', async () => {
    const tlsPort = h.status.sip?.tlsPort;
    expect(tlsPort).toBeGreaterThan(0);
    expect(tlsPort).not.toBe(h.status.sip?.tcpPort);
    // Verified against the test CA with the host name checked: the handshake fails otherwise.
    const client = await SipClient.tlsTo(tlsPort!, { ca: ca.certPem });
    try {
      client.send(
        request({
          callId: 'tls-opt',
          port: tlsPort!,
          clientPort: client.port,
          method: 'OPTIONS',
          cseq: 1,
          transport: 'TLS',
        }),
        tlsPort!,
      );
      const ok = await client.waitFor(status(200, 'OPTIONS'));
      expect(ok.headers.get('Via')).toMatch(/^SIP\/2\.0\/TLS 127\.0\.0\.1:/);
    } finally {
      client.close();
    }
  });

  it('records a SIPREC call sent over TLS: 200 with recvonly SDP and a transport=tls Contact, RTP over UDP, BYE over TLS', async () => {
    const tlsPort = h.status.sip!.tlsPort!;
    const client = await SipClient.tlsTo(tlsPort, { ca: ca.certPem });
    try {
      const callId = 'tls-siprec-1';
      const o = { callId, port: tlsPort, clientPort: client.port, transport: 'TLS' as const };
      const { contentType, body } = multipart(
        sdpOffer([35000, 35002], { labels: ['1', '2'] }),
        siprecMetadata({
          callerAor: 'sip:+573001234567@carrier',
          calleeAor: 'sip:4711@pbx',
          labels: ['1', '2'],
        }),
      );
      client.send(
        request({
          ...o,
          method: 'INVITE',
          cseq: 1,
          contentType,
          body,
          headers: ['Require: siprec', 'X-Campaign: tls-campaign'],
        }),
        tlsPort,
      );
      const ok = await client.waitFor(status(200, 'INVITE'));
      expect(ok.headers.get('Contact')).toBe(`<sip:escucha@127.0.0.1:${tlsPort};transport=tls>`);
      expect(ok.headers.get('Via')).toMatch(/^SIP\/2\.0\/TLS /);
      const answer = ok.body.toString();
      expect(answer.match(/a=recvonly/g)).toHaveLength(2);
      const [p1, p2] = answerPorts(answer);
      client.send(request({ ...o, method: 'ACK', cseq: 1, toTag: toTagOf(ok) }), tlsPort);
      await Promise.all([
        sendRtp(rtpPackets({ samples: tone(1.0, 440), ssrc: 21 }), p1!),
        sendRtp(rtpPackets({ samples: tone(1.0, 660, 6000), ssrc: 22 }), p2!),
      ]);
      client.send(
        request({ ...o, method: 'BYE', cseq: 2, toTag: toTagOf(ok), headers: ['X-Disposition: SALE'] }),
        tlsPort,
      );
      await client.waitFor(status(200, 'BYE'));

      const call = await h.sink.waitForCall(callId);
      expect(call.source).toBe('siprec');
      expect(call.metadata.sipCallId).toBe(callId);
      expect(call.metadata.campaign).toBe('tls-campaign');
      expect(call.metadata.disposition).toBe('SALE');
      expect(call.metadata.direction).toBe('inbound');
      expect(call.metadata.callerNumber).toBe('+573001234567');
      expect(Math.abs(call.durationMs - 1000)).toBeLessThan(100);
      expect(call.streams.map((s) => s.packets)).toEqual([50, 50]);
      expect(call.notes.join('\n')).toContain('answered over tls from 127.0.0.1');
      const wav = await readWav(call.filePath);
      expect(wav.channels).toBe(2);
      for (const channel of wav.samples) expect(rms(channel, 800, 12_000)).toBeGreaterThan(2000);
    } finally {
      client.close();
    }
  });

  it('records a plain INVITE to a sips: URI and answers with a sips: Contact', async () => {
    const tlsPort = h.status.sip!.tlsPort!;
    const client = await SipClient.tlsTo(tlsPort, { ca: ca.certPem });
    try {
      const callId = 'tls-plain-1';
      const o = {
        callId,
        port: tlsPort,
        clientPort: client.port,
        transport: 'TLS' as const,
        uri: `sips:srs@127.0.0.1:${tlsPort}`,
      };
      client.send(
        request({
          ...o,
          method: 'INVITE',
          cseq: 1,
          contentType: 'application/sdp',
          body: sdpOffer([36000], { direction: 'sendrecv' }),
        }),
        tlsPort,
      );
      const ok = await client.waitFor(status(200, 'INVITE'));
      expect(ok.headers.get('Contact')).toBe(`<sips:escucha@127.0.0.1:${tlsPort}>`);
      const [p1] = answerPorts(ok.body.toString());
      client.send(request({ ...o, method: 'ACK', cseq: 1, toTag: toTagOf(ok) }), tlsPort);
      await sendRtp(rtpPackets({ samples: tone(0.6, 500), ssrc: 31 }), p1!);
      client.send(request({ ...o, method: 'BYE', cseq: 2, toTag: toTagOf(ok) }), tlsPort);
      await client.waitFor(status(200, 'BYE'));
      const call = await h.sink.waitForCall(callId);
      expect(call.source).toBe('sip');
      expect(call.streams[0]?.packets).toBe(30);
    } finally {
      client.close();
    }
  });

  it('refuses a client that offers nothing newer than TLS 1.1 during the handshake', async () => {
    const tlsPort = h.status.sip!.tlsPort!;
    const before = h.service.sip!.stats.tlsHandshakeFailures;
    const old = await attempt(tlsPort, {
      minVersion: 'TLSv1',
      maxVersion: 'TLSv1.1',
      ciphers: 'DEFAULT:@SECLEVEL=0',
    });
    expect(old).toEqual({ secured: false, answered: false, closed: true });
    await expect.poll(() => h.service.sip!.stats.tlsHandshakeFailures).toBe(before + 1);
  });
});

describe('SIP over TLS with client certificates', () => {
  let h: Harness;
  const logged: string[] = [];

  beforeAll(async () => {
    h = await startHarness(
      {
        logger: createLogger({
          level: 'warn',
          destination: new Writable({
            write: (chunk: Buffer, _encoding, done) => {
              logged.push(chunk.toString());
              done();
            },
          }),
        }),
      },
      {
        transports: ['tls'],
        tls: tlsOf({ ca: ca.cert, clientNames: ['sbc1.example.net', 'sbc2.example.net'] }),
      },
    );
  });

  afterAll(async () => {
    await h.close();
  });

  it('serves a client whose certificate the CA signed for an allowed name', async () => {
    const tlsPort = h.status.sip!.tlsPort!;
    expect(h.status.sip?.udpPort).toBeUndefined();
    const client = await SipClient.tlsTo(tlsPort, { ca: ca.certPem, cert: sbc.certPem, key: sbc.keyPem });
    try {
      client.send(
        request({
          callId: 'cert-ok',
          port: tlsPort,
          clientPort: client.port,
          method: 'OPTIONS',
          cseq: 1,
          transport: 'TLS',
        }),
        tlsPort,
      );
      await client.waitFor(status(200, 'OPTIONS'));
    } finally {
      client.close();
    }
  });

  it('closes connections without a certificate, with one from another CA, or with a name not allowed; logs once per source', async () => {
    const tlsPort = h.status.sip!.tlsPort!;
    const refused = { secured: expect.any(Boolean), answered: false, closed: true };
    expect(await attempt(tlsPort, {})).toEqual(refused);
    expect(await attempt(tlsPort, { cert: rogue.certPem, key: rogue.keyPem })).toEqual(refused);
    expect(await attempt(tlsPort, { cert: stranger.certPem, key: stranger.keyPem })).toEqual(refused);
    expect(await attempt(tlsPort, { cert: stranger.certPem, key: stranger.keyPem }, '127.0.0.2')).toEqual(
      refused,
    );
    const stats = h.service.sip!.stats;
    await expect.poll(() => stats.refusedCertificates).toBe(4);
    expect(stats.requests).toBe(1); // the allowed client's OPTIONS only
    expect(stats.callsStarted).toBe(0);
    expect(h.sink.calls).toHaveLength(0);
    const warnings = logged.filter((l) => l.includes('client certificate not accepted'));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('"remote":"127.0.0.1"');
    expect(warnings[0]).toContain('no client certificate');
    expect(warnings[1]).toContain('"remote":"127.0.0.2"');
    expect(warnings[1]).toContain('sbc9.example.net');
  });
});

/** Forwards one TCP port to another, counting the bytes that come back from the server. */
async function countingProxy(
  target: number,
): Promise<{ port: number; fromServer: () => number; close: () => Promise<void> }> {
  let bytes = 0;
  const sockets = new Set<Socket>();
  const proxy: Server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    upstream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      client.write(chunk);
    });
    client.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', () => resolve()));
  const address = proxy.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    fromServer: () => bytes,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}

describe('SIP over TLS: allow-list, caps and timeouts shared with TCP', () => {
  it('closes a source outside ESCUCHA_SIP_ALLOW at accept, before it gets a ServerHello', async () => {
    const closed = await startHarness({}, { transports: ['tls'], allow: ['10.0.0.0/8'], tls: tlsOf() });
    const open = await startHarness({}, { transports: ['tls'], tls: tlsOf() });
    const denied = await countingProxy(closed.status.sip!.tlsPort!);
    const allowed = await countingProxy(open.status.sip!.tlsPort!);
    try {
      const result = await attempt(denied.port, {});
      expect(result).toEqual({ secured: false, answered: false, closed: true });
      expect(denied.fromServer()).toBe(0);
      expect(closed.service.sip!.stats.forbidden).toBe(1);
      expect(closed.service.sip!.stats.tlsHandshakeFailures).toBe(0);
      // The same client through the same kind of proxy to an allowing server gets its ServerHello and an answer.
      const client = await SipClient.tlsTo(allowed.port, { ca: ca.certPem });
      client.close();
      expect(allowed.fromServer()).toBeGreaterThan(100);
    } finally {
      await denied.close();
      await allowed.close();
      await closed.close();
      await open.close();
    }
  });

  it('counts TLS and TCP connections against one per-source cap and closes a handshake that never comes', async () => {
    const h = await startHarness(
      {},
      {
        transports: ['tcp', 'tls'],
        tls: tlsOf(),
        tcpLimits: { maxPerSource: 2, handshakeMs: 400, firstMessageMs: 5000 },
      },
    );
    const sockets: Socket[] = [];
    const raw = async (port: number) => {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.resume();
      sockets.push(socket);
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      return socket;
    };
    try {
      const { tcpPort, tlsPort } = h.status.sip!;
      const tcp = await raw(tcpPort!);
      const silent = await raw(tlsPort!); // connects, never says ClientHello
      const third = await attempt(tlsPort!, {});
      expect(third.closed).toBe(true);
      expect(third.secured).toBe(false);
      expect(h.service.sip!.stats.refusedConnections).toBe(1);
      // The silent one is cut off by the handshake timeout; the TCP one, which has 5 s, is still open.
      const at = Date.now();
      expect(await closedWithin(silent, 3000)).toBe(true);
      expect(Date.now() - at).toBeLessThan(2500);
      expect(tcp.destroyed).toBe(false);
      await expect.poll(() => h.service.sip!.stats.tlsHandshakeFailures).toBe(1);
      // Its place is free again: a TLS client is served.
      const client = await SipClient.tlsTo(tlsPort!, { ca: ca.certPem });
      try {
        client.send(
          request({
            callId: 'cap-ok',
            port: tlsPort!,
            clientPort: client.port,
            method: 'OPTIONS',
            cseq: 1,
            transport: 'TLS',
          }),
          tlsPort!,
        );
        await client.waitFor(status(200, 'OPTIONS'));
      } finally {
        client.close();
      }
    } finally {
      for (const s of sockets) s.destroy();
      await h.close();
    }
  });
});

describe('SIP over TLS: certificate files checked at start', () => {
  it('stops start-up with CONFIG_INVALID naming a missing key file', async () => {
    const missing = path.join(dir, 'no-such.key');
    await expect(
      startHarness({}, { transports: ['udp', 'tls'], tls: tlsOf({ key: missing }) }),
    ).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining(missing),
    });
    await expect(
      startHarness({}, { transports: ['udp', 'tls'], tls: tlsOf({ key: missing }) }),
    ).rejects.toThrow(/ESCUCHA_SIP_TLS_KEY/);
  });

  it('stops start-up with CONFIG_INVALID naming both files when the key is not the certificate’s', async () => {
    const error = await startHarness({}, { transports: ['tls'], tls: tlsOf({ key: sbc.key }) }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(String((error as Error).message)).toContain(sbc.key);
    expect(String((error as Error).message)).toContain(server.cert);
    expect(String((error as Error).message)).toContain('does not belong to the certificate');
  });

  it('stops start-up when the certificate file holds no certificate or the CA file is missing', async () => {
    await expect(
      startHarness({}, { transports: ['tls'], tls: tlsOf({ cert: server.key }) }),
    ).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining(server.key),
    });
    const noCa = path.join(dir, 'missing-ca.pem');
    await expect(startHarness({}, { transports: ['tls'], tls: tlsOf({ ca: noCa }) })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining(noCa),
    });
  });
});
