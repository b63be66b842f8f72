import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
import type { Logger } from '../../platform/logger.ts';
import { HEP_PROTOCOL, HepStreamFramer, parseHep, type HepPacket } from './hep.ts';
import { IpAllowList } from '../ip-allow.ts';
import type { NetPacket, PacketCorrelator } from './packet.correlator.ts';

/**
 * HEP v3 receiver (UDP and TCP): capture agents (Kamailio/OpenSIPS siptrace, FreeSWITCH, rtpengine, heplify)
 * send copies of SIP and RTP; each packet goes into the same correlation as a capture file. With an auth key
 * configured, packets without that key are dropped and counted. Packets are handled in arrival order.
 */

export interface HepServerOptions {
  host: string;
  port: number;
  transports: ReadonlyArray<'udp' | 'tcp'>;
  authKey?: string | undefined;
  allow: readonly string[];
  correlator: PacketCorrelator;
  logger: Logger;
  /** Packets waiting for the correlator before new ones are dropped (default 20000). */
  maxQueue?: number;
}

export interface HepStats {
  packets: number;
  sip: number;
  rtp: number;
  malformed: number;
  unauthorized: number;
  forbidden: number;
  dropped: number;
  ignored: number;
}

export class HepServer {
  private readonly options: HepServerOptions;
  private readonly allow: IpAllowList;
  private readonly log: Logger;
  private udp: Socket | undefined;
  private tcp: Server | undefined;
  private readonly connections = new Set<TcpSocket>();
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;
  readonly stats: HepStats = {
    packets: 0,
    sip: 0,
    rtp: 0,
    malformed: 0,
    unauthorized: 0,
    forbidden: 0,
    dropped: 0,
    ignored: 0,
  };

  constructor(options: HepServerOptions) {
    this.options = options;
    this.allow = new IpAllowList(options.allow);
    this.log = options.logger.child({ component: 'hep' });
  }

  async start(): Promise<{ udpPort: number | undefined; tcpPort: number | undefined }> {
    const { host, port, transports } = this.options;
    let udpPort: number | undefined;
    let tcpPort: number | undefined;
    if (transports.includes('udp')) {
      const socket = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: 4 << 20 });
      this.udp = socket;
      udpPort = await new Promise<number>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(port, host, () => {
          socket.off('error', reject);
          socket.on('error', () => undefined);
          resolve(socket.address().port);
        });
      });
      socket.on('message', (data, rinfo) => this.receive(data, rinfo.address));
    }
    if (transports.includes('tcp')) {
      const server = createServer((c) => this.accept(c));
      this.tcp = server;
      tcpPort = await new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(udpPort ?? port, host, () => {
          server.off('error', reject);
          const address = server.address();
          resolve(typeof address === 'object' && address ? address.port : port);
        });
      });
    }
    this.log.info({ udpPort, tcpPort }, 'HEP receiver listening');
    return { udpPort, tcpPort };
  }

  private accept(connection: TcpSocket): void {
    const address = connection.remoteAddress ?? '';
    if (!this.allow.allows(address)) {
      this.stats.forbidden++;
      connection.destroy();
      return;
    }
    this.connections.add(connection);
    const framer = new HepStreamFramer();
    connection.on('data', (chunk: Buffer) => {
      const result = framer.push(chunk);
      if (!result.ok) {
        this.stats.malformed++;
        connection.destroy();
        return;
      }
      for (const packet of result.value) this.receive(packet, address);
    });
    connection.on('error', () => undefined);
    connection.on('close', () => this.connections.delete(connection));
  }

  private receive(data: Buffer, from: string): void {
    this.stats.packets++;
    if (!this.allow.allows(from)) {
      this.stats.forbidden++;
      return;
    }
    const parsed = parseHep(data);
    if (!parsed.ok) {
      this.stats.malformed++;
      return;
    }
    const hep = parsed.value;
    if (this.options.authKey !== undefined && hep.authKey !== this.options.authKey) {
      this.stats.unauthorized++;
      if (this.stats.unauthorized <= 10) this.log.warn({ from }, 'HEP packet without the right auth key');
      return;
    }
    const packet = toNetPacket(hep, performance.timeOrigin + performance.now());
    if (!packet) {
      this.stats.ignored++;
      return;
    }
    if (packet.kind === 'sip') this.stats.sip++;
    else this.stats.rtp++;
    if (this.queued >= (this.options.maxQueue ?? 20_000)) {
      this.stats.dropped++;
      return;
    }
    this.queued++;
    this.chain = this.chain
      .then(() => this.options.correlator.feed(packet))
      .catch((error: unknown) => this.log.error({ err: error }, 'HEP packet could not be correlated'))
      .finally(() => {
        this.queued--;
      });
  }

  /** Resolves when every packet received so far has been correlated. */
  drained(): Promise<void> {
    return this.chain;
  }

  async stop(): Promise<void> {
    const udp = this.udp;
    this.udp = undefined;
    if (udp) await new Promise<void>((resolve) => udp.close(() => resolve()));
    for (const c of this.connections) c.destroy();
    const tcp = this.tcp;
    this.tcp = undefined;
    if (tcp) await new Promise<void>((resolve) => tcp.close(() => resolve()));
    await this.chain;
  }
}

/**
 * A HEP packet as the correlator sees it. SIP arrives as whole messages whatever the original transport, so it is
 * handed on as a datagram. The arrival clock is the receiver's (agents' clocks may differ).
 */
export function toNetPacket(hep: HepPacket, receivedMs: number): NetPacket | undefined {
  const kind =
    hep.protocolType === HEP_PROTOCOL.SIP ? 'sip' : hep.protocolType === HEP_PROTOCOL.RTP ? 'rtp' : undefined;
  if (!kind || hep.src === undefined || hep.dst === undefined) return undefined;
  if (hep.srcPort === undefined || hep.dstPort === undefined) return undefined;
  return {
    timeMs: receivedMs,
    src: hep.src,
    dst: hep.dst,
    srcPort: hep.srcPort,
    dstPort: hep.dstPort,
    transport: 'udp',
    payload: hep.payload,
    kind,
  };
}
