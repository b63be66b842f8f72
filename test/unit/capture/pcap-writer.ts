/**
 * Capture-file writing for the capture tests: the synthetic-call writer (tools/synth/pcap.writer.ts), plus
 * `chunked`, which cuts a file into the odd-sized pieces a stream would deliver.
 */

export {
  ethernet,
  fragmentIpv4,
  ipv4,
  ipv6,
  linuxSll,
  linuxSll2,
  pcapngBlock,
  tcp,
  udp,
  udpFrame,
  vxlan,
  writePcap,
  writePcapng,
  type PcapngInterface,
  type PcapngPacket,
  type WrittenFrame,
} from '../../../tools/synth/pcap.writer.ts';

/** Splits a buffer into chunks of the given sizes (cycled), as a stream would deliver it. */
export async function* chunked(data: Buffer, sizes: number[] = [7, 64, 1, 1500]): AsyncGenerator<Buffer> {
  let offset = 0;
  let i = 0;
  while (offset < data.length) {
    const size = Math.max(1, sizes[i++ % sizes.length] ?? 1);
    yield data.subarray(offset, offset + size);
    offset += size;
  }
}
