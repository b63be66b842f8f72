import os from 'node:os';
import { encodeRtp } from '../../services/capture/rtp/rtp.ts';
import { SrtpContext, SUITE_PARAMS, type SrtpSuite } from '../../services/capture/rtp/srtp.ts';
import { median, round } from './stats.ts';

/**
 * SRTP cost per packet: authenticating and decrypting G.711 packets of 20 ms (12-byte header, 160-byte payload)
 * with `SrtpContext.unprotectRtp`, as the recorder does before its jitter buffer, one core, per suite. Each round
 * decrypts a fresh stream of packets (sequence numbers crossing a wrap, so the roll-over counter and the replay
 * window work as in a call) with a fresh context; the figure is the median over rounds.
 */

export interface SrtpBenchSuite {
  suite: SrtpSuite;
  packets: number;
  rounds: number;
  /** Median wall-clock time per packet. */
  nsPerPacket: number;
  /** Median CPU time (user + system) per packet: what a loaded, shared machine distorts least. */
  cpuNsPerPacket: number;
  /** From the CPU time. */
  packetsPerSecondPerCore: number;
  /** Concurrent calls of two 50 packet/s streams that this cost alone would fill one core with. */
  callsPerCoreForDecryptionAlone: number;
}

export interface SrtpBenchResult {
  cpu: string;
  node: string;
  /** 1-minute load average when the run started (other processes on the machine). */
  loadAverage: number;
  suites: SrtpBenchSuite[];
}

const PACKETS = 50_000;
const ROUNDS = 9;

function keyOf(suite: SrtpSuite): Buffer {
  const p = SUITE_PARAMS[suite];
  return Buffer.from(
    Array.from({ length: p.masterKeyBytes + p.masterSaltBytes }, (_, i) => (i * 37 + 11) & 0xff),
  );
}

function encrypted(suite: SrtpSuite, count: number): Buffer[] {
  const sender = new SrtpContext({ suite, keySalt: keyOf(suite) });
  const payload = Buffer.alloc(160, 0x55);
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const sequence = (40_000 + i) & 0xffff;
    out.push(
      sender.protectRtp(encodeRtp({ payloadType: 0, sequence, timestamp: i * 160, ssrc: 0x5eed, payload })),
    );
  }
  return out;
}

function measure(suite: SrtpSuite): SrtpBenchSuite {
  const wire = encrypted(suite, PACKETS);
  const perPacket: number[] = [];
  const cpuPerPacket: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const copies = wire.map((p) => Buffer.from(p));
    const receiver = new SrtpContext({ suite, keySalt: keyOf(suite) });
    const cpuStarted = process.cpuUsage();
    const started = process.hrtime.bigint();
    for (const packet of copies) {
      if (receiver.unprotectRtp(packet) < 0) throw new Error(`${suite}: a packet failed to decrypt`);
    }
    const elapsed = Number(process.hrtime.bigint() - started);
    const cpu = process.cpuUsage(cpuStarted);
    perPacket.push(elapsed / PACKETS);
    cpuPerPacket.push(((cpu.user + cpu.system) * 1000) / PACKETS);
  }
  // The first round warms the JIT.
  const ns = median(perPacket.slice(1));
  const cpuNs = median(cpuPerPacket.slice(1));
  return {
    suite,
    packets: PACKETS,
    rounds: ROUNDS - 1,
    nsPerPacket: round(ns, 0),
    cpuNsPerPacket: round(cpuNs, 0),
    packetsPerSecondPerCore: Math.round(1e9 / cpuNs),
    callsPerCoreForDecryptionAlone: Math.round(1e9 / cpuNs / 100),
  };
}

export function run(): Promise<SrtpBenchResult> {
  const load = os.loadavg()[0] ?? 0;
  const suites = (
    ['AES_CM_128_HMAC_SHA1_80', 'AEAD_AES_128_GCM', 'AES_CM_128_HMAC_SHA1_32', 'AEAD_AES_256_GCM'] as const
  ).map(measure);
  return Promise.resolve({
    cpu: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    loadAverage: round(load, 2),
    suites,
  });
}
