import { readFileSync } from 'node:fs';

/**
 * The real vendor SIPREC captures of `test/fixtures/capture/siprec/vendors/` (see the README there), turned into
 * what an SBC would put on the wire: CRLF line ends (the files have LF, as committed in their source), a
 * Content-Length that matches, and for the body-only captures an INVITE built around the body.
 */

export const VENDOR_FIXTURES = [
  'acme-siprec-offer.txt',
  'avaya-siprec-offer.txt',
  'broadworks-offer.txt',
  'broadworks-offer-2.txt',
  'cisco-siprec-offer.txt',
  'connectel-offer.txt',
  'connectel-offer2.txt',
  'connectel-offer3.txt',
  'intrado-siprec-invite.txt',
  'procomm-siprec-offer.txt',
  'sonus-siprec-offer.txt',
] as const;
export type VendorFixture = (typeof VENDOR_FIXTURES)[number];

export function vendorFile(name: VendorFixture): Buffer {
  return readFileSync(new URL(`../fixtures/capture/siprec/vendors/${name}`, import.meta.url));
}

const crlf = (text: string): string => text.replace(/\r?\n/g, '\r\n');

export interface VendorBody {
  contentType: string;
  /** The body with CRLF line ends. */
  body: Buffer;
  /** The capture's own request line and headers (without Content-Length), when it is a whole INVITE. */
  head: string[] | undefined;
}

/** The multipart body of a capture and its Content-Type (the capture's own, or from the boundary it uses). */
export function vendorBody(name: VendorFixture): VendorBody {
  const text = vendorFile(name).toString('latin1');
  if (/^[A-Z]+ \S+ SIP\/2\.0\r?\n/.test(text)) {
    const split = /\r?\n\r?\n/.exec(text);
    if (!split) throw new Error(`${name}: no end of headers`);
    const head = text.slice(0, split.index).split(/\r?\n/);
    const contentType = head.find((h) => /^content-type:/i.test(h))?.replace(/^content-type:\s*/i, '');
    if (!contentType) throw new Error(`${name}: no Content-Type`);
    return {
      contentType,
      body: Buffer.from(crlf(text.slice(split.index + split[0].length)), 'latin1'),
      head: head.filter((h) => !/^content-length:/i.test(h)),
    };
  }
  const boundary = /^--(\S+?)\s*$/m.exec(text)?.[1];
  if (!boundary) throw new Error(`${name}: no multipart boundary`);
  return {
    contentType: `multipart/mixed;boundary=${boundary}`,
    body: Buffer.from(crlf(text), 'latin1'),
    head: undefined,
  };
}

export interface VendorInviteOptions {
  port: number;
  clientPort: number;
  transport: 'UDP' | 'TCP';
  /** Call-ID of a built INVITE (a whole captured INVITE keeps its own). */
  callId: string;
}

/** The INVITE an SBC would send with this capture, its Call-ID and From tag. */
export function vendorInvite(
  name: VendorFixture,
  o: VendorInviteOptions,
): { message: Buffer; callId: string; fromTag: string } {
  const { contentType, body, head } = vendorBody(name);
  let lines: string[];
  if (head) {
    lines = head;
  } else {
    lines = [
      `INVITE sip:srs@127.0.0.1:${o.port} SIP/2.0`,
      `Via: SIP/2.0/${o.transport} 127.0.0.1:${o.clientPort};branch=z9hG4bK${Math.random().toString(36).slice(2)};rport`,
      'From: <sip:src@127.0.0.1>;tag=src-vendor',
      'To: <sip:srs@127.0.0.1>',
      `Call-ID: ${o.callId}`,
      'CSeq: 1 INVITE',
      'Max-Forwards: 70',
      `Contact: <sip:src@127.0.0.1:${o.clientPort}>;+sip.src`,
      'Require: siprec',
      'Supported: siprec',
      `Content-Type: ${contentType}`,
    ];
  }
  const callId = lines.find((h) => /^call-id:/i.test(h))?.replace(/^call-id:\s*/i, '') ?? o.callId;
  const fromTag = /;tag=([^;\s]+)/.exec(lines.find((h) => /^from:/i.test(h)) ?? '')?.[1] ?? '';
  const message = Buffer.concat([
    Buffer.from(`${lines.join('\r\n')}\r\nContent-Length: ${body.length}\r\n\r\n`, 'latin1'),
    body,
  ]);
  return { message, callId, fromTag };
}
