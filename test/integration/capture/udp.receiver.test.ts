import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BatchUdpReceiver,
  DgramUdpReceiver,
  createUdpReceiver,
  loadUdpBatchAddon,
  type UdpBatchAddon,
  type UdpEndpoint,
  type UdpReceiver,
} from '../../../services/capture/rtp/udp.receiver.ts';

/** The two ways RTP ports receive, on real loopback sockets. npm ci builds the native one; a missing build fails here. */

function addon(): UdpBatchAddon {
  const load = loadUdpBatchAddon();
  if (!('addon' in load)) throw new Error(`the batched receiver is not available: ${load.reason}`);
  return load.addon;
}

const open: UdpEndpoint[] = [];
afterEach(() => {
  for (const e of open.splice(0)) e.close();
});

async function bindAny(receiver: UdpReceiver): Promise<UdpEndpoint> {
  for (let tries = 0; tries < 50; tries++) {
    const port = 32000 + Math.floor(Math.random() * 8000);
    const endpoint = await receiver.bind(port, '127.0.0.1', 256 * 1024);
    if (endpoint) {
      open.push(endpoint);
      return endpoint;
    }
  }
  throw new Error('no free port');
}

function datagram(size: number, seed: number): Buffer {
  return Buffer.from(Array.from({ length: size }, (_, i) => (i * 31 + seed) & 0xff));
}

async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('batched receiver addon', () => {
  it('loads', () => {
    expect(typeof addon().drain).toBe('function');
  });
});

describe.each([
  ['batch', () => new BatchUdpReceiver(addon())],
  ['dgram', () => new DgramUdpReceiver()],
] as const)('%s receiver', (kind, make) => {
  it('delivers every datagram, whole, to its own port, in order, with its arrival time', async () => {
    const receiver = make();
    expect(receiver.kind).toBe(kind);
    const a = await bindAny(receiver);
    const b = await bindAny(receiver);
    const got: Record<string, Array<{ data: Buffer; at: number }>> = { a: [], b: [] };
    a.onDatagram((data, at) => got.a!.push({ data: Buffer.from(data), at }));
    b.onDatagram((data, at) => got.b!.push({ data: Buffer.from(data), at }));
    // From 1 byte to a datagram near the UDP maximum, so no size is cut.
    const sizes = [1, 12, 172, 1500, 9000, 60_000];
    const sender = createSocket('udp4');
    const before = Date.now();
    for (const [i, size] of sizes.entries()) {
      await new Promise<void>((r) => sender.send(datagram(size, i), a.port, '127.0.0.1', () => r()));
      await new Promise<void>((r) => sender.send(datagram(size, 100 + i), b.port, '127.0.0.1', () => r()));
    }
    await until(() => got.a!.length === sizes.length && got.b!.length === sizes.length, 'datagrams');
    const after = Date.now();
    sender.close();
    expect(receiver.delivered).toBe(sizes.length * 2);
    expect(got.a!.map((d) => d.data.length)).toEqual(sizes);
    for (const [i, size] of sizes.entries()) {
      expect(got.a![i]!.data.equals(datagram(size, i))).toBe(true);
      expect(got.b![i]!.data.equals(datagram(size, 100 + i))).toBe(true);
    }
    for (const { at } of [...got.a!, ...got.b!]) {
      expect(at).toBeGreaterThanOrEqual(before - 1);
      expect(at).toBeLessThanOrEqual(after + 1);
    }
  });

  it('receives on IPv6, and on "::" also from IPv4 (dual stack)', async () => {
    const receiver = make();
    let endpoint: UdpEndpoint | undefined;
    for (let tries = 0; !endpoint && tries < 50; tries++) {
      endpoint = await receiver.bind(32000 + Math.floor(Math.random() * 8000), '::', 0);
    }
    open.push(endpoint!);
    const seen: number[] = [];
    endpoint!.onDatagram((d) => seen.push(d[0]!));
    const v6 = createSocket('udp6');
    const v4 = createSocket('udp4');
    await new Promise<void>((r) => v6.send(Buffer.from([6]), endpoint!.port, '::1', () => r()));
    await new Promise<void>((r) => v4.send(Buffer.from([4]), endpoint!.port, '127.0.0.1', () => r()));
    await until(() => seen.length === 2, 'both families');
    v6.close();
    v4.close();
    expect(seen.sort()).toEqual([4, 6]);
  });

  it('refuses a port another socket holds, and frees a closed port for the next bind', async () => {
    const receiver = make();
    const first = await bindAny(receiver);
    expect(await receiver.bind(first.port, '127.0.0.1', 0)).toBeUndefined();
    first.close();
    open.splice(open.indexOf(first), 1);
    const again = await receiver.bind(first.port, '127.0.0.1', 0);
    expect(again?.port).toBe(first.port);
    again?.close();
  });

  it('delivers nothing for a port once it is closed', async () => {
    const receiver = make();
    const live = await bindAny(receiver);
    const closed = await bindAny(receiver);
    let late = 0;
    const seen: number[] = [];
    closed.onDatagram(() => late++);
    live.onDatagram((d) => seen.push(d[0]!));
    closed.close();
    const sender = createSocket('udp4');
    await new Promise<void>((r) => sender.send(Buffer.from([1]), closed.port, '127.0.0.1', () => r()));
    await new Promise<void>((r) => sender.send(Buffer.from([2]), live.port, '127.0.0.1', () => r()));
    await until(() => seen.length === 1, 'the live port');
    sender.close();
    expect(late).toBe(0);
    expect(seen).toEqual([2]);
  });
});

describe(BatchUdpReceiver.name, () => {
  it('delivers more datagrams than one drain holds (4,096 packets, 1 MiB), none lost or reordered', async () => {
    const native = addon();
    const receiver = new BatchUdpReceiver(native, { drainIntervalMs: 60_000 });
    const ports = 60;
    const perPort = 80;
    const size = 1000;
    const endpoints: UdpEndpoint[] = [];
    const got = new Map<number, number[]>();
    for (let p = 0; p < ports; p++) {
      const e = await bindAny(receiver);
      endpoints.push(e);
      got.set(e.port, []);
      e.onDatagram((d) => got.get(e.port)!.push(d.readUInt32BE(0)));
    }
    // Sent with the addon's sendmmsg (the benchmark's generator) before anything drains: 4,800 datagrams, 4.8 MB.
    const fd = native.openSender('127.0.0.1');
    const data = Buffer.alloc(ports * perPort * size);
    const meta = new Float64Array(ports * perPort * 3);
    let i = 0;
    for (let n = 0; n < perPort; n++) {
      for (const e of endpoints) {
        data.writeUInt32BE(n, i * size);
        meta.set([i * size, size, e.port], i * 3);
        i++;
      }
    }
    expect(native.sendBatch(fd, '127.0.0.1', data, meta, i)).toBe(i);
    native.closeUdp(null, fd);
    receiver.flush();
    expect(receiver.delivered).toBe(ports * perPort);
    for (const e of endpoints) expect(got.get(e.port)).toEqual(Array.from({ length: perPort }, (_, n) => n));
  });

  it('keeps delivering the rest of a batch when one handler throws, and reports the error', async () => {
    const errors: unknown[] = [];
    const receiver = new BatchUdpReceiver(addon(), {
      drainIntervalMs: 60_000,
      onError: (e) => errors.push(e),
    });
    const bad = await bindAny(receiver);
    const good = await bindAny(receiver);
    bad.onDatagram(() => {
      throw new Error('boom');
    });
    const seen: number[] = [];
    good.onDatagram((d) => seen.push(d[0]!));
    const sender = createSocket('udp4');
    for (const [port, byte] of [
      [bad.port, 1],
      [good.port, 2],
      [bad.port, 3],
      [good.port, 4],
    ] as const) {
      await new Promise<void>((r) => sender.send(Buffer.from([byte]), port, '127.0.0.1', () => r()));
    }
    sender.close();
    await new Promise((r) => setTimeout(r, 20));
    receiver.flush();
    expect(seen).toEqual([2, 4]);
    expect(errors.map((e) => (e as Error).message)).toEqual(['boom', 'boom']);
  });

  it('drains on its own timer while ports are open, and stops the timer when the last one closes', async () => {
    const receiver = new BatchUdpReceiver(addon(), { drainIntervalMs: 2 });
    expect(receiver.polling).toBe(false);
    const e = await bindAny(receiver);
    expect(receiver.polling).toBe(true);
    const seen: number[] = [];
    e.onDatagram((d) => seen.push(d[0]!));
    const sender = createSocket('udp4');
    await new Promise<void>((r) => sender.send(Buffer.from([9]), e.port, '127.0.0.1', () => r()));
    await until(() => seen.length === 1, 'the timer to drain');
    sender.close();
    e.close();
    open.splice(open.indexOf(e), 1);
    expect(receiver.size).toBe(0);
    expect(receiver.polling).toBe(false);
  });
});

describe(createUdpReceiver.name, () => {
  it('gives the batched receiver for auto and batch where the addon is built, and dgram when asked', () => {
    expect(createUdpReceiver('auto').receiver.kind).toBe('batch');
    expect(createUdpReceiver('batch').receiver.kind).toBe('batch');
    expect(createUdpReceiver('dgram').receiver.kind).toBe('dgram');
  });
});
