import { BlockList, isIP } from 'node:net';
import { badInput } from './parse-result.ts';

/**
 * Source-address allow-list for the SIP and HEP listeners: a list of CIDR blocks (`10.0.0.0/8`, `::1/128`) or
 * single addresses. IPv4-mapped IPv6 addresses (`::ffff:10.1.2.3`, what a dual-stack socket reports) are matched
 * against the IPv4 blocks.
 */
export class IpAllowList {
  private readonly list = new BlockList();
  readonly entries: readonly string[];
  private readonly any: boolean;

  constructor(cidrs: readonly string[]) {
    const cleaned = cidrs.map((c) => c.trim()).filter((c) => c !== '');
    this.entries = cleaned;
    this.any = cleaned.some((c) => c === '0.0.0.0/0' || c === '::/0' || c === '*');
    for (const entry of cleaned) {
      if (entry === '*') continue;
      const [address = '', prefixText] = entry.split('/');
      const family = isIP(address);
      if (family === 0) throw badInput(`invalid address in allow-list: "${entry}"`);
      const max = family === 4 ? 32 : 128;
      const prefix = prefixText === undefined ? max : Number(prefixText);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || (prefixText ?? '0').trim() === '') {
        throw badInput(`invalid prefix length in allow-list: "${entry}"`);
      }
      this.list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
    }
  }

  allows(address: string): boolean {
    if (this.any) return true;
    const plain = unmapIpv4(address);
    const family = isIP(plain);
    if (family === 0) return false;
    return this.list.check(plain, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** `::ffff:1.2.3.4` → `1.2.3.4`; other addresses unchanged. */
export function unmapIpv4(address: string): string {
  const match = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i.exec(address);
  return match ? (match[1] ?? address) : address;
}

export const LOOPBACK_ONLY: readonly string[] = ['127.0.0.0/8', '::1/128'];
