import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import { EscuchaError, isEscuchaError } from '../../platform/errors.ts';
import { SipStreamFramer } from './sip.framer.ts';
import {
  clientCertificateRefusal,
  loadSipTlsCredentials,
  type SipTlsCredentials,
  type SipTlsFiles,
} from './sip.tls.ts';

/**
 * SIP transports: one UDP socket (a datagram is a message) and stream listeners, TCP and TLS (each connection's
 * bytes cut into messages by `SipStreamFramer`, keep-alive pings answered). All hand every message to one handler
 * with the peer's address and a `reply` function that sends back on the same path.
 *
 * TCP and TLS share one code path: a connection is accepted as plain TCP, checked against the allow-list and the
 * caps (which count both transports together), and only then, for TLS, handed to the TLS layer for its handshake;
 * a refused source never gets a TLS byte. After the handshake (and the client-certificate check) a TLS connection
 * is framed, timed out and answered exactly like a TCP one.
 */

export type SipTransportName = 'udp' | 'tcp' | 'tls';
export type StreamTransportName = Exclude<SipTransportName, 'udp'>;

export interface Remote {
  address: string;
  port: number;
  transport: SipTransportName;
  /** Local address the message arrived on (TCP and TLS; UDP sockets bound to a wildcard cannot tell). */
  localAddress: string | undefined;
}

export type RefusalReason =
  'not-allowed' | 'source-cap' | 'total-cap' | 'tls-handshake' | 'client-certificate';

export type Reply = (data: Buffer) => void;

export type MessageHandler = (data: Buffer, remote: Remote, reply: Reply) => void;

export interface SipTransportOptions {
  host: string;
  port: number;
  transports: readonly SipTransportName[];
  onMessage: MessageHandler;
  /** SIP over TLS: its port and the certificate, key and client-certificate files (read at start). */
  tls?: SipTlsFiles;
  /**
   * A TCP or TLS stream that cannot be framed (no or bad Content-Length, oversized): counted and closed. `head` is the
   * header of the offending message when it arrived whole, so it can be answered (400) before the close.
   */
  onStreamError?: (remote: Remote, error: unknown, head: Buffer | undefined, reply: Reply) => void;
  /** Largest SIP message accepted on TCP (default 256 KiB). */
  maxMessageBytes?: number;
  /** Limits on TCP and TLS connections (defaults in `DEFAULT_TCP_LIMITS`). */
  tcpLimits?: Partial<TcpLimits>;
  /**
   * Whether a source address may connect over TCP or TLS; a refused connection is closed as it is accepted, before
   * it holds anything or any TLS handshake (default: every address).
   */
  accepts?: (address: string) => boolean;
  /**
   * A TCP or TLS connection closed before it could send SIP: at accept (address not allowed, or a cap reached), or
   * for TLS when the handshake failed or the client certificate was refused (`detail` says why).
   */
  onRefused?: (remote: Remote, reason: RefusalReason, detail?: string) => void;
}

export interface TcpLimits {
  /** Open TCP and TLS connections at most, from all sources together. */
  maxConnections: number;
  /** Open TCP and TLS connections at most from one source address. */
  maxPerSource: number;
  /** A TLS connection whose handshake has not finished this long after it opened is closed. */
  handshakeMs: number;
  /** A connection that has not sent one whole SIP message (or keep-alive) this long after it opened is closed. */
  firstMessageMs: number;
  /** A connection with no traffic for this long is closed; the peer opens a new one when it has more to send. */
  idleMs: number;
}

/** Tries at a port number free on both UDP and TCP when any port is asked for (port 0). */
const ANY_PORT_ATTEMPTS = 10;

/**
 * An SBC keeps a few connections open and sends OPTIONS or CRLF keep-alives well within a minute; a source that
 * opens hundreds, or opens and sends nothing, is refused or cut off within seconds.
 */
export const DEFAULT_TCP_LIMITS: TcpLimits = {
  maxConnections: 2048,
  maxPerSource: 64,
  handshakeMs: 10_000,
  firstMessageMs: 10_000,
  idleMs: 90_000,
};

export interface BoundTransports {
  udpPort: number | undefined;
  tcpPort: number | undefined;
  tlsPort: number | undefined;
}

export class SipTransport {
  private readonly options: SipTransportOptions;
  private udp: Socket | undefined;
  private tcp: Server | undefined;
  private tls: Server | undefined;
  /** The TLS layer: it never listens; connections accepted by `tls` are handed to it after their checks. */
  private tlsLayer: TlsServer | undefined;
  private tlsCredentials: SipTlsCredentials | undefined;
  /** Accepted TCP connections (TLS ones included), counted against the caps. */
  private readonly connections = new Set<TcpSocket>();
  /** TLS sessions over some of them. */
  private readonly sessions = new Set<TLSSocket | TcpSocket>();
  private readonly perSource = new Map<string, number>();
  private readonly limits: TcpLimits;

  constructor(options: SipTransportOptions) {
    this.options = options;
    this.limits = { ...DEFAULT_TCP_LIMITS, ...options.tcpLimits };
  }

  /** Open TCP and TLS connections (all sources). */
  get tcpConnections(): number {
    return this.connections.size;
  }

  /** The server certificate's subject and expiry, once started with TLS. */
  get tlsCertificate(): { subject: string; validTo: string } | undefined {
    const c = this.tlsCredentials;
    return c ? { subject: c.subject, validTo: c.validTo } : undefined;
  }

  async start(): Promise<BoundTransports> {
    const { host, port, transports } = this.options;
    let udpPort: number | undefined;
    let tcpPort: number | undefined;
    let tlsPort: number | undefined;
    if (transports.includes('tls')) {
      // Read and checked before anything listens: a bad certificate or key stops start-up, naming the file.
      if (!this.options.tls)
        throw new EscuchaError(
          'CONFIG_INVALID',
          'SIP over TLS needs ESCUCHA_SIP_TLS_CERT and ESCUCHA_SIP_TLS_KEY',
        );
      this.tlsCredentials = loadSipTlsCredentials(this.options.tls);
    }
    try {
      if (transports.includes('udp')) udpPort = await this.startUdp(host, port);
      // With port 0, TCP takes the port UDP got, so both transports share one number as SIP expects. Another socket
      // may hold that number on TCP (an outgoing connection's local port): then both take another.
      for (let attempt = 1; transports.includes('tcp') && tcpPort === undefined; attempt++) {
        try {
          tcpPort = await this.startStream('tcp', host, udpPort ?? port);
        } catch (error) {
          const taken = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
          if (port !== 0 || udpPort === undefined || !taken || attempt >= ANY_PORT_ATTEMPTS) throw error;
          await this.closeUdp();
          udpPort = await this.startUdp(host, 0);
        }
      }
      if (this.tlsCredentials && this.options.tls)
        tlsPort = await this.startStream('tls', host, this.options.tls.port);
    } catch (error) {
      await this.stop();
      throw error;
    }
    return { udpPort, tcpPort, tlsPort };
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

  private startStream(kind: StreamTransportName, host: string, port: number): Promise<number> {
    const server = createServer((connection) => this.accept(connection, kind));
    if (kind === 'tcp') this.tcp = server;
    else {
      this.tls = server;
      this.tlsLayer = this.createTlsLayer();
    }
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  private createTlsLayer(): TlsServer {
    const credentials = this.tlsCredentials!;
    const layer = createTlsServer({ ...credentials.server, handshakeTimeout: this.limits.handshakeMs });
    layer.on('secureConnection', (secure: TLSSocket) => {
      const remote = remoteOf(secure, 'tls');
      const refusal = clientCertificateRefusal(secure, credentials);
      if (refusal) {
        secure.on('error', () => undefined);
        secure.destroy();
        this.options.onRefused?.(remote, 'client-certificate', refusal);
        return;
      }
      this.serve(secure, remote);
    });
    // A failed or timed-out handshake (a client that does not speak TLS 1.2 or later, or never finishes): closed.
    layer.on('tlsClientError', (error: Error & { code?: string }, secure: TLSSocket) => {
      secure.destroy();
      this.options.onRefused?.(remoteOf(secure, 'tls'), 'tls-handshake', error.code ?? error.message);
    });
    return layer;
  }

  private accept(connection: TcpSocket, kind: StreamTransportName): void {
    const address = connection.remoteAddress ?? '';
    const remote = remoteOf(connection, kind);
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
    // Counted from accept until the TCP socket closes (a TLS socket over it closes it too).
    this.connections.add(connection);
    this.perSource.set(address, fromSource + 1);
    connection.setNoDelay(true);
    connection.on('error', () => undefined);
    connection.on('close', () => {
      this.connections.delete(connection);
      const left = (this.perSource.get(address) ?? 1) - 1;
      if (left > 0) this.perSource.set(address, left);
      else this.perSource.delete(address);
    });
    if (kind === 'tcp' || !this.tlsLayer) {
      this.serve(connection, remote);
      return;
    }
    // The TLS layer wraps the socket and bounds the handshake (handshakeMs); `serve` takes over once it is done.
    this.tlsLayer.emit('connection', connection);
  }

  /** Frames, times out and answers an accepted (and, for TLS, authenticated) connection. */
  private serve(connection: TcpSocket | TLSSocket, remote: Remote): void {
    // A TLS socket is held beside its TCP socket (which alone counts) so that stop() ends the session too.
    if (remote.transport === 'tls') {
      this.sessions.add(connection);
      connection.on('close', () => this.sessions.delete(connection));
    }
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
  }

  async stop(): Promise<void> {
    await this.closeUdp();
    const streams = [this.tcp, this.tls];
    this.tcp = undefined;
    this.tls = undefined;
    this.tlsLayer = undefined;
    for (const c of this.sessions) c.destroy();
    for (const c of this.connections) c.destroy();
    for (const server of streams)
      if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async closeUdp(): Promise<void> {
    const udp = this.udp;
    this.udp = undefined;
    if (!udp) return;
    await new Promise<void>((resolve) => {
      try {
        udp.close(() => resolve());
      } catch {
        resolve(); // never bound
      }
    });
  }
}

function remoteOf(socket: TcpSocket | TLSSocket, transport: StreamTransportName): Remote {
  return {
    address: socket.remoteAddress ?? '',
    port: socket.remotePort ?? 0,
    transport,
    localAddress: socket.localAddress,
  };
}
