import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { EscuchaError } from '../../platform/errors.ts';
import type { Logger } from '../../platform/logger.ts';
import { PacketDecoder } from './packet.decode.ts';
import { correlatable, type PacketCorrelator } from './packet.correlator.ts';
import { CaptureReader } from './pcap.ts';

/**
 * Live capture from a network interface (a SPAN/mirror port): `tcpdump -i <if> -w - -U` (or Wireshark's
 * `dumpcap -i <if> -w -`) runs as a child process and its pcap/pcapng output is read from the pipe, frame by
 * frame, into the correlator. Needs one of those programs and capture privileges (root, or CAP_NET_RAW and
 * CAP_NET_ADMIN on the binary); both are checked at start with a message naming the fix.
 */

export const LIVE_CAPTURE_HINT =
  'live capture needs tcpdump or dumpcap (Debian/Ubuntu: apt-get install tcpdump, or apt-get install tshark for dumpcap) ' +
  'and capture privileges (run as root, or: setcap cap_net_raw,cap_net_admin=eip $(command -v tcpdump))';

export interface LiveCaptureOptions {
  interface: string;
  /** Capture filter (BPF), e.g. `udp or tcp port 5060`. */
  filter: string;
  /** Which program to run (default: tcpdump when installed, else dumpcap). */
  program?: 'tcpdump' | 'dumpcap';
  correlator: PacketCorrelator;
  logger: Logger;
}

function installed(program: string): boolean {
  const result = spawnSync(program, ['--version'], { stdio: 'ignore' });
  return result.error === undefined;
}

/** The command line for a program, writing a capture to stdout without buffering. */
export function liveCaptureCommand(program: 'tcpdump' | 'dumpcap', iface: string, filter: string): string[] {
  if (program === 'tcpdump')
    return ['tcpdump', '-i', iface, '-w', '-', '-U', '-n', '-s', '0', '-q', ...(filter ? [filter] : [])];
  return ['dumpcap', '-i', iface, '-w', '-', '-q', '-s', '65535', ...(filter ? ['-f', filter] : [])];
}

export class LiveCapture {
  private readonly options: LiveCaptureOptions;
  private child: ChildProcess | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;
  private stderr = '';
  frames = 0;

  constructor(options: LiveCaptureOptions) {
    this.options = options;
  }

  async start(): Promise<void> {
    const program =
      this.options.program ??
      (installed('tcpdump') ? 'tcpdump' : installed('dumpcap') ? 'dumpcap' : undefined);
    if (!program || !installed(program)) throw new EscuchaError('TOOL_MISSING', LIVE_CAPTURE_HINT);
    const [command = program, ...args] = liveCaptureCommand(
      program,
      this.options.interface,
      this.options.filter,
    );
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stderr?.on('data', (chunk: Buffer) => {
      if (this.stderr.length < 4000) this.stderr += chunk.toString();
    });
    // A program that cannot open the interface exits at once: report it instead of capturing nothing.
    const early = await new Promise<number | null | 'running'>((resolve) => {
      const timer = setTimeout(() => resolve('running'), 1500);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
      child.once('error', () => {
        clearTimeout(timer);
        resolve(-1);
      });
    });
    if (early !== 'running') {
      throw new EscuchaError(
        'TOOL_MISSING',
        `${program} could not capture on ${this.options.interface}: ${this.stderr.trim() || `exit ${early}`}. ${LIVE_CAPTURE_HINT}`,
      );
    }
    const log = this.options.logger.child({ component: 'live-capture', interface: this.options.interface });
    log.info({ program, filter: this.options.filter }, 'live capture started');
    this.running = this.read(child, log);
  }

  private async read(child: ChildProcess, log: Logger): Promise<void> {
    if (!child.stdout) return;
    const reader = new CaptureReader(child.stdout);
    const decoder = new PacketDecoder();
    try {
      for await (const frame of reader.frames()) {
        this.frames++;
        const packet = decoder.decode(frame);
        if (!correlatable(packet)) continue;
        const pending = this.options.correlator.feed(packet);
        if (pending) await pending;
      }
    } catch (error) {
      if (!this.stopping) log.error({ err: error }, 'live capture stream failed');
    }
    if (!this.stopping) log.error({ stderr: this.stderr.trim() }, 'live capture program stopped');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await this.running;
  }
}
