import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SipTransport } from '../../../services/capture/sip/sip.transport.ts';

/** A TCP listener on a free port of 127.0.0.1: the number is then taken on TCP, not on UDP. */
async function holdTcpPort(): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

describe('SipTransport on any port (port 0)', () => {
  const held: Server[] = [];
  afterEach(async () => {
    vi.restoreAllMocks();
    for (const s of held.splice(0)) await new Promise((resolve) => s.close(resolve));
  });

  it('takes another number for UDP and TCP together when the one UDP got is held on TCP', async () => {
    const taken = await holdTcpPort();
    held.push(taken);
    const takenPort = (taken.address() as { port: number }).port;
    const transport = new SipTransport({
      host: '127.0.0.1',
      port: 0,
      transports: ['udp', 'tcp'],
      onMessage: () => undefined,
    });
    // The first UDP bind gets the number held on TCP, as the kernel may hand out; the next ones any free one.
    const internals = SipTransport.prototype as unknown as {
      startUdp(host: string, port: number): Promise<number>;
    };
    const startUdp = internals.startUdp;
    let binds = 0;
    vi.spyOn(internals, 'startUdp').mockImplementation(function (this: unknown, host: string, port: number) {
      binds++;
      return startUdp.call(this, host, binds === 1 ? takenPort : port);
    });
    try {
      const bound = await transport.start();
      expect(binds).toBe(2);
      expect(bound.udpPort).not.toBe(takenPort);
      expect(bound.tcpPort).toBe(bound.udpPort);
    } finally {
      await transport.stop();
    }
  });

  it('still fails at once when a fixed port is held on TCP', async () => {
    const taken = await holdTcpPort();
    held.push(taken);
    const port = (taken.address() as { port: number }).port;
    const transport = new SipTransport({
      host: '127.0.0.1',
      port,
      transports: ['udp', 'tcp'],
      onMessage: () => undefined,
    });
    await expect(transport.start()).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
