import { describe, expect, it } from 'vitest';
import {
  defaultMaxPerSource,
  RtpPortPool,
  type RtpSocketPair,
} from '../../../services/capture/rtp/rtp.ports.ts';
import type { UdpEndpoint, UdpReceiver } from '../../../services/capture/rtp/udp.receiver.ts';

/** A receiver that binds every port at once (after a turn of the event loop, as a real bind does). */
function fakeReceiver(refused: ReadonlySet<number> = new Set()): UdpReceiver & { open: Set<number> } {
  const open = new Set<number>();
  return {
    kind: 'dgram',
    delivered: 0,
    open,
    async bind(port: number): Promise<UdpEndpoint | undefined> {
      await new Promise((r) => setImmediate(r));
      if (refused.has(port) || open.has(port)) return undefined;
      open.add(port);
      return { port, onDatagram: () => undefined, close: () => open.delete(port) };
    },
    flush: () => undefined,
  };
}

const pool = (pairs: number, maxPerSource?: number, receiver = fakeReceiver()) =>
  new RtpPortPool({
    range: { min: 40000, max: 40000 + 2 * pairs - 1 },
    receiver,
    ...(maxPerSource !== undefined ? { maxPerSource } : {}),
  });

const taken = (result: RtpSocketPair[] | string): RtpSocketPair[] => {
  if (typeof result === 'string') throw new Error(`refused: ${result}`);
  return result;
};

describe('RtpPortPool per-source share', () => {
  it('defaults to a quarter of the range, never below 16', () => {
    expect(defaultMaxPerSource(2500)).toBe(625);
    expect(defaultMaxPerSource(40)).toBe(16);
    expect(pool(100).maxPerSource).toBe(25);
    expect(pool(100, 40).maxPerSource).toBe(40);
  });

  it('refuses a source past its share while another source still gets pairs, and counts releases', async () => {
    const p = pool(40, 10);
    const a1 = taken(await p.allocateMany(8, '192.0.2.1'));
    expect(p.heldBy('192.0.2.1')).toBe(8);
    // Two more fit, three do not: all or nothing, and the refusal binds nothing.
    expect(await p.allocateMany(3, '192.0.2.1')).toBe('source-share');
    expect(p.used).toBe(8);
    const a2 = taken(await p.allocateMany(2, '192.0.2.1'));
    expect(await p.allocateMany(1, '192.0.2.1')).toBe('source-share');
    // The other source is not affected by the first one's share.
    const b = taken(await p.allocateMany(8, '192.0.2.2'));
    expect(p.heldBy('192.0.2.2')).toBe(8);
    expect(p.used).toBe(18);
    // Ending a dialog gives its pairs back to its source's share.
    for (const pair of a1) p.release(pair);
    expect(p.heldBy('192.0.2.1')).toBe(2);
    p.release(a1[0]!); // a second release changes nothing
    expect(p.heldBy('192.0.2.1')).toBe(2);
    taken(await p.allocateMany(8, '192.0.2.1'));
    for (const pair of [...a2, ...b]) p.release(pair);
    expect(p.heldBy('192.0.2.2')).toBe(0);
    // Pairs taken without a source count against none.
    taken(await p.allocateMany(4));
    expect(p.heldBy('192.0.2.1')).toBe(8);
  });

  it('reserves the share before binding, so simultaneous requests from one source cannot overshoot it', async () => {
    const p = pool(40, 8);
    const results = await Promise.all(Array.from({ length: 5 }, () => p.allocateMany(4, '192.0.2.1')));
    expect(results.filter((r) => typeof r !== 'string')).toHaveLength(2);
    expect(results.filter((r) => r === 'source-share')).toHaveLength(3);
    expect(p.heldBy('192.0.2.1')).toBe(8);
    expect(p.used).toBe(8);
  });

  it('gives the reservation back when the range runs out, and tells that apart from the share', async () => {
    const p = pool(6, 16);
    taken(await p.allocateMany(4, '192.0.2.2'));
    expect(await p.allocateMany(4, '192.0.2.1')).toBe('exhausted');
    expect(p.heldBy('192.0.2.1')).toBe(0);
    expect(p.used).toBe(4);
    taken(await p.allocateMany(2, '192.0.2.1'));
    expect(p.heldBy('192.0.2.1')).toBe(2);
  });
});
