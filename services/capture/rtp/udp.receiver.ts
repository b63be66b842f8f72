import { createSocket, type Socket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { EscuchaError } from '../../platform/errors.ts';
import { packagePath } from '../../platform/package-path.ts';

/**
 * How the RTP/RTCP ports of recorded calls receive datagrams. Two implementations behind one narrow interface:
 *
 * - `batch` (Linux, the native addon in ./native, built by `npm ci`): every port joins one epoll set and a short
 *   timer drains all ready sockets with recvmmsg into one buffer, so JavaScript runs once per drain (thousands of
 *   datagrams at 1,000 calls) instead of once per datagram, and each datagram carries the kernel's receive time.
 * - `dgram`: one Node socket per port and one callback per datagram, stamped with the clock when it runs. Works
 *   everywhere; in the capture bench it used about twice the CPU per packet and recorded 800 calls on one core
 *   against 2,000 (BENCHMARKS.md).
 *
 * `auto` picks batch when the addon loads and says why when it does not.
 */

export type DatagramHandler = (data: Buffer, arrivalMs: number) => void;

export interface UdpEndpoint {
  readonly port: number;
  /** Sets (or with undefined, clears) the one handler of this port's datagrams. */
  onDatagram(handler: DatagramHandler | undefined): void;
  /** Closes the port; closing it again does nothing. */
  close(): void;
}

export interface UdpReceiver {
  readonly kind: 'batch' | 'dgram';
  /** Datagrams handed to a handler so far. */
  readonly delivered: number;
  /** Binds host:port; undefined when the port cannot be bound (another process holds it). */
  bind(port: number, host: string, receiveBufferBytes: number): Promise<UdpEndpoint | undefined>;
  /** Delivers, now, every datagram the kernel has already received on any port. */
  flush(): void;
}

export type UdpReceiverChoice = 'auto' | 'batch' | 'dgram';

/* ---------- dgram ---------- */

class DgramEndpoint implements UdpEndpoint {
  private closed = false;

  constructor(
    readonly port: number,
    private readonly socket: Socket,
    private readonly owner: DgramUdpReceiver,
  ) {}

  onDatagram(handler: DatagramHandler | undefined): void {
    this.socket.removeAllListeners('message');
    if (handler) {
      this.socket.on('message', (data: Buffer) => {
        this.owner.delivered++;
        handler(data, Date.now());
      });
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.removeAllListeners('message');
    this.socket.close();
  }
}

export class DgramUdpReceiver implements UdpReceiver {
  readonly kind = 'dgram' as const;
  delivered = 0;

  async bind(port: number, host: string, receiveBufferBytes: number): Promise<UdpEndpoint | undefined> {
    const socket = createSocket({
      type: host.includes(':') ? 'udp6' : 'udp4',
      ...(receiveBufferBytes > 0 ? { recvBufferSize: receiveBufferBytes } : {}),
    });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(port, host, () => {
          socket.off('error', reject);
          resolve();
        });
      });
    } catch {
      try {
        socket.close();
      } catch {
        // never bound
      }
      return undefined;
    }
    // Errors on a bound socket (ICMP unreachable on some systems) must not crash the process.
    socket.on('error', () => undefined);
    return new DgramEndpoint(port, socket, this);
  }

  flush(): void {
    // Each datagram is delivered as the event loop sees it; nothing waits here.
  }
}

/* ---------- batch (native) ---------- */

/** The addon's functions (services/capture/native/udp_batch.c). */
export interface UdpBatchAddon {
  createGroup(): object;
  bindUdp(group: object, host: string, port: number, receiveBufferBytes: number, token: number): number;
  openSender(host: string): number;
  boundPort(fd: number): number;
  closeUdp(group: object | null, fd: number): void;
  drain(group: object, out: Uint8Array, meta: Float64Array): number;
  sendBatch(fd: number, host: string, data: Uint8Array, meta: Float64Array, count: number): number;
}

export const UDP_BATCH_ADDON_PATH = packagePath('services', 'capture', 'native', 'build', 'udp_batch.node');

let loaded: { addon: UdpBatchAddon } | { reason: string } | undefined;

/** Loads the addon once; the reason when it cannot be used here. */
export function loadUdpBatchAddon(): { addon: UdpBatchAddon } | { reason: string } {
  if (loaded) return loaded;
  if (process.platform !== 'linux') {
    loaded = { reason: `the batched receiver needs Linux (this is ${process.platform})` };
  } else if (!existsSync(UDP_BATCH_ADDON_PATH)) {
    loaded = {
      reason: `${UDP_BATCH_ADDON_PATH} is not built (npm ci builds it with a C compiler: node services/capture/native/build.js)`,
    };
  } else {
    try {
      loaded = { addon: createRequire(import.meta.url)(UDP_BATCH_ADDON_PATH) as UdpBatchAddon };
    } catch (error) {
      loaded = { reason: `${UDP_BATCH_ADDON_PATH} does not load: ${(error as Error).message}` };
    }
  }
  return loaded;
}

class BatchEndpoint implements UdpEndpoint {
  constructor(
    readonly port: number,
    readonly token: number,
    readonly fd: number,
    private readonly owner: BatchUdpReceiver,
  ) {}

  onDatagram(handler: DatagramHandler | undefined): void {
    this.owner.setHandler(this, handler);
  }

  close(): void {
    this.owner.close(this);
  }
}

export interface BatchUdpReceiverOptions {
  /**
   * How often ready sockets are drained (default 40 ms): the latency added, and the batching gained. A 20 ms stream
   * then has two packets to read per system call; at 5 ms it had one, and reading cost a third more CPU.
   */
  drainIntervalMs?: number;
  /** Called when a handler throws; the other datagrams of the batch are still delivered. */
  onError?: (error: unknown) => void;
}

/** Datagrams per drain call and the bytes they may fill. */
const DRAIN_PACKETS = 4096;
const DRAIN_BYTES = 1 << 20;

export class BatchUdpReceiver implements UdpReceiver {
  readonly kind = 'batch' as const;
  private readonly addon: UdpBatchAddon;
  private readonly group: object;
  /** The open ports by token, with their handler (undefined until one is set). */
  private readonly handlers = new Map<number, DatagramHandler | undefined>();
  private nextToken = 1;
  private timer: NodeJS.Timeout | undefined;
  private readonly intervalMs: number;
  private readonly onError: (error: unknown) => void;
  private readonly out = Buffer.allocUnsafeSlow(DRAIN_BYTES);
  private readonly meta = new Float64Array(DRAIN_PACKETS * 4);
  /** Datagrams delivered, and datagrams that arrived for a port already closed. */
  delivered = 0;
  orphaned = 0;

  constructor(addon: UdpBatchAddon, options: BatchUdpReceiverOptions = {}) {
    this.addon = addon;
    this.group = addon.createGroup();
    this.intervalMs = options.drainIntervalMs ?? 40;
    this.onError = options.onError ?? (() => undefined);
  }

  bind(port: number, host: string, receiveBufferBytes: number): Promise<UdpEndpoint | undefined> {
    const token = this.nextToken;
    this.nextToken = (this.nextToken + 1) >>> 0 || 1;
    let fd: number;
    try {
      fd = this.addon.bindUdp(this.group, host, port, receiveBufferBytes, token);
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_INVALID_ARG') return Promise.reject(error as Error);
      return Promise.resolve(undefined);
    }
    const endpoint = new BatchEndpoint(this.addon.boundPort(fd), token, fd, this);
    this.handlers.set(token, undefined);
    this.timer ??= setInterval(() => this.drain(), this.intervalMs);
    return Promise.resolve(endpoint);
  }

  /** Open ports. */
  get size(): number {
    return this.handlers.size;
  }

  /** Whether the drain timer runs (only while a port is open). */
  get polling(): boolean {
    return this.timer !== undefined;
  }

  setHandler(endpoint: BatchEndpoint, handler: DatagramHandler | undefined): void {
    if (this.handlers.has(endpoint.token)) this.handlers.set(endpoint.token, handler);
  }

  close(endpoint: BatchEndpoint): void {
    if (!this.handlers.delete(endpoint.token)) return;
    this.addon.closeUdp(this.group, endpoint.fd);
    if (this.handlers.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  flush(): void {
    if (this.handlers.size > 0) this.drain();
  }

  /** Delivers every datagram waiting on any port; returns how many were read (delivered or orphaned). */
  drain(): number {
    let total = 0;
    // Each native call reads the ports ready at that moment, as far as the buffer holds; calls repeat until nothing
    // is ready, at most 16 times so that a steady flow of datagrams cannot hold the event loop.
    for (let call = 0; call < 16; call++) {
      const count = this.addon.drain(this.group, this.out, this.meta);
      if (count === 0) break;
      const meta = this.meta;
      const used = meta[(count - 1) * 4 + 1]! + meta[(count - 1) * 4 + 2]!;
      // Receivers may keep a datagram (the jitter buffer holds packets for reordering), so each batch gets its own
      // memory; the drain buffer is reused.
      const slab = Buffer.allocUnsafe(used);
      this.out.copy(slab, 0, 0, used);
      for (let i = 0; i < count; i++) {
        const handler = this.handlers.get(meta[i * 4]!);
        if (!handler) {
          this.orphaned++;
          continue;
        }
        this.delivered++;
        const offset = meta[i * 4 + 1]!;
        try {
          handler(slab.subarray(offset, offset + meta[i * 4 + 2]!), meta[i * 4 + 3]!);
        } catch (error) {
          this.onError(error);
        }
      }
      total += count;
    }
    return total;
  }
}

/** The receiver for a configured choice; `batch` when the addon cannot be used is a coded error. */
export function createUdpReceiver(
  choice: UdpReceiverChoice,
  options: BatchUdpReceiverOptions = {},
): { receiver: UdpReceiver; fallbackReason?: string } {
  if (choice === 'dgram') return { receiver: new DgramUdpReceiver() };
  const load = loadUdpBatchAddon();
  if ('addon' in load) return { receiver: new BatchUdpReceiver(load.addon, options) };
  if (choice === 'batch') {
    throw new EscuchaError('TOOL_MISSING', `ESCUCHA_RTP_RECEIVER=batch: ${load.reason}`);
  }
  return { receiver: new DgramUdpReceiver(), fallbackReason: load.reason };
}
