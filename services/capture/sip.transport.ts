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
  /** A TCP stream that cannot be framed (no Content-Length, oversized): counted and closed. */
  onStreamError?: (remote: Remote, error: unknown) => void;
  /** Largest SIP message accepted on TCP (default 256 KiB). */
  maxMessageBytes?: number;
  /** Idle TCP connections are closed after this long (default 15 min). */
  tcpIdleMs?: number;
}

export interface BoundTransports {
  udpPort: number | undefined;
  tcpPort: number | undefined;
}

export class SipTransport {
  private readonly options: SipTransportOptions;
  private udp: Socket | undefined;
  private tcp: Server | undefined;
  private readonly connections = new Set<TcpSocket>();

  constructor(options: SipTransportOptions) {
    this.options = options;
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
    this.connections.add(connection);
    connection.setNoDelay(true);
    connection.setTimeout(this.options.tcpIdleMs ?? 15 * 60_000, () => connection.destroy());
    const framer = new SipStreamFramer({ maxMessageBytes: this.options.maxMessageBytes ?? 256 * 1024 });
    const remote: Remote = {
      address,
      port: connection.remotePort ?? 0,
      transport: 'tcp',
      localAddress: connection.localAddress,
    };
    const reply: Reply = (out) => {
      if (!connection.destroyed) connection.write(out);
    };
    connection.on('data', (chunk: Buffer) => {
      let output;
      try {
        output = framer.push(chunk);
      } catch (error) {
        this.options.onStreamError?.(remote, error);
        if (!isEscuchaError(error)) connection.destroy();
        else connection.end();
        return;
      }
      for (let i = 0; i < output.pings; i++) reply(Buffer.from('\r\n'));
      for (const message of output.messages) this.options.onMessage(message, remote, reply);
    });
    connection.on('error', () => undefined);
    connection.on('close', () => this.connections.delete(connection));
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
