import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
import { isEscuchaError } from '../platform/errors.ts';
import { SipStreamFramer } from './sip.framer.ts';

/**
 * SIP transports: one UDP socket (a datagram is a message) and one TCP listener (each connection's bytes cut
 * into messages by `SipStreamFramer`, keep-alive pings answered). Both hand every message to one handler with
 * the peer's address and a `reply` function that sends back on the same path.
 */

export type SipTransportName = 'udp' | 'tcp';

export interface Remote {
  address: string;
  port: number;
  transport: SipTransportName;
  /** Local address the message arrived on (TCP only; UDP sockets bound to a wildcard cannot tell). */
  localAddress: string | undefined;
}

export type Reply = (data: Buffer) => void;

export type MessageHandler = (data: Buffer, remote: Remote, reply: Reply) => void;

export interface SipTransportOptions {
  host: string;
  port: number;
  transports: readonly SipTransportName[];
  onMessage: MessageHandler;
  /**
   * A TCP stream that cannot be framed (no or bad Content-Length, oversized): counted and closed. `head` is the
   * header of the offending message when it arrived whole, so it can be answered (400) before the close.
   */
  onStreamError?: (remote: Remote, error: unknown, head: Buffer | undefined, reply: Reply) => void;
  /** Largest SIP message accepted on TCP (default 256 KiB). */
  maxMessageBytes?: number;
  /** Limits on TCP connections (defaults in `DEFAULT_TCP_LIMITS`). */
  tcpLimits?: Partial<TcpLimits>;
  /**
   * Whether a source address may connect over TCP; a refused connection is closed as it is accepted, before it holds
   * anything (default: every address).
   */
  accepts?: (address: string) => boolean;
  /** A TCP connection closed at accept (address not allowed, or a cap reached). */
  onRefused?: (remote: Remote, reason: 'not-allowed' | 'source-cap' | 'total-cap') => void;
}

export interface TcpLimits {
  /** Open TCP connections at most, from all sources together. */
  maxConnections: number;
  /** Open TCP connections at most from one source address. */
  maxPerSource: number;
  /** A connection that has not sent one whole SIP message (or keep-alive) this long after it opened is closed. */
  firstMessageMs: number;
  /** A connection with no traffic for this long is closed; the peer opens a new one when it has more to send. */
  idleMs: number;
}

/**
 * An SBC keeps a few connections open and sends OPTIONS or CRLF keep-alives well within a minute; a source that
 * opens hundreds, or opens and sends nothing, is refused or cut off within seconds.
 */
export const DEFAULT_TCP_LIMITS: TcpLimits = {
  maxConnections: 2048,
  maxPerSource: 64,
  firstMessageMs: 10_000,
  idleMs: 90_000,
};

export interface BoundTransports {
  udpPort: number | undefined;
  tcpPort: number | undefined;
}

export class SipTransport {
  private readonly options: SipTransportOptions;
  private udp: Socket | undefined;
  private tcp: Server | undefined;
  private readonly connections = new Set<TcpSocket>();
  private readonly perSource = new Map<string, number>();
  private readonly limits: TcpLimits;

  constructor(options: SipTransportOptions) {
    this.options = options;
    this.limits = { ...DEFAULT_TCP_LIMITS, ...options.tcpLimits };
  }

  /** Open TCP connections (all sources). */
  get tcpConnections(): number {
    return this.connections.size;
  }

  async start(): Promise<BoundTransports> {
    const { host, port, transports } = this.options;
    let udpPort: number | undefined;
    let tcpPort: number | undefined;
    try {
      if (transports.includes('udp')) udpPort = await this.startUdp(host, port);
      // With port 0, TCP takes the port UDP got, so both transports share one number as SIP expects.
      if (transports.includes('tcp')) tcpPort = await this.startTcp(host, udpPort ?? port);
    } catch (error) {
      await this.stop();
      throw error;
    }
    return { udpPort, tcpPort };
  }

  private startUdp(host: string, port: number): Promise<number> {
    const socket = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: 1 << 20 });
    this.udp = socket;
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.on('message', (data, rinfo) => {
        const remote: Remote = {
          address: rinfo.address,
          port: rinfo.port,
          transport: 'udp',
          localAddress: undefined,
        };
        const reply: Reply = (out) => {
          // A reply after the socket closed (shutdown) is dropped: UDP gives no delivery guarantee anyway.
          if (this.udp !== socket) return;
          socket.send(out, rinfo.port, rinfo.address, () => undefined);
        };
        this.options.onMessage(data, remote, reply);
      });
      socket.bind(port, host, () => {
        socket.off('error', reject);
        socket.on('error', () => undefined);
        resolve(socket.address().port);
      });
    });
  }

  private startTcp(host: string, port: number): Promise<number> {
    const server = createServer((connection) => this.accept(connection));
    this.tcp = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  private accept(connection: TcpSocket): void {
    const address = connection.remoteAddress ?? '';
    const remote: Remote = {
      address,
      port: connection.remotePort ?? 0,
      transport: 'tcp',
      localAddress: connection.localAddress,
    };
    const fromSource = this.perSource.get(address) ?? 0;
    const refusal =
      this.options.accepts && !this.options.accepts(address)
        ? ('not-allowed' as const)
        : this.connections.size >= this.limits.maxConnections
          ? ('total-cap' as const)
          : fromSource >= this.limits.maxPerSource
            ? ('source-cap' as const)
            : undefined;
    if (refusal) {
      connection.on('error', () => undefined);
      connection.destroy();
      this.options.onRefused?.(remote, refusal);
      return;
    }
    this.connections.add(connection);
    this.perSource.set(address, fromSource + 1);
    connection.setNoDelay(true);
    // Until its first whole message a connection gets a few seconds; after that, the idle limit.
    connection.setTimeout(this.limits.firstMessageMs, () => connection.destroy());
    let spoken = false;
    const framer = new SipStreamFramer({ maxMessageBytes: this.options.maxMessageBytes ?? 256 * 1024 });
    const reply: Reply = (out) => {
      if (!connection.destroyed) connection.write(out);
    };
    connection.on('data', (chunk: Buffer) => {
      let output;
      try {
        output = framer.push(chunk);
      } catch (error) {
        this.options.onStreamError?.(remote, error, framer.failedHead, reply);
        if (!isEscuchaError(error)) connection.destroy();
        else connection.end();
        return;
      }
      if (!spoken && (output.pings > 0 || output.messages.length > 0)) {
        spoken = true;
        connection.setTimeout(this.limits.idleMs);
      }
      for (let i = 0; i < output.pings; i++) reply(Buffer.from('\r\n'));
      for (const message of output.messages) this.options.onMessage(message, remote, reply);
    });
    connection.on('error', () => undefined);
    connection.on('close', () => {
      this.connections.delete(connection);
      const left = (this.perSource.get(address) ?? 1) - 1;
      if (left > 0) this.perSource.set(address, left);
      else this.perSource.delete(address);
    });
  }

  async stop(): Promise<void> {
    const udp = this.udp;
    this.udp = undefined;
    if (udp) {
      await new Promise<void>((resolve) => {
        try {
          udp.close(() => resolve());
        } catch {
          resolve(); // never bound
        }
      });
    }
    const tcp = this.tcp;
    this.tcp = undefined;
    for (const c of this.connections) c.destroy();
    if (tcp) await new Promise<void>((resolve) => tcp.close(() => resolve()));
  }
}
