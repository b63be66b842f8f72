/** What the recording server says about itself, and the 400 it can still send for a request that does not parse. */

export const ALLOW = 'INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, UPDATE';
export const ACCEPT = 'application/sdp, application/rs-metadata+xml, multipart/mixed';

/**
 * A 400 for a request that does not parse, built from its raw header lines when Via, From, To, Call-ID and CSeq
 * can be found; undefined (drop) otherwise, and always for ACK and responses.
 */
export function badRequestFor(data: Buffer): Buffer | undefined {
  const text = data.toString('latin1', 0, Math.min(data.length, 8192));
  const lines = text.split(/\r?\n/);
  const first = lines[0] ?? '';
  const requestLine = /^([A-Za-z]+) \S+ SIP\/2\.0$/.exec(first);
  if (!requestLine || requestLine[1]?.toUpperCase() === 'ACK') return undefined;
  const wanted = {
    via: [] as string[],
    from: [] as string[],
    to: [] as string[],
    'call-id': [] as string[],
    cseq: [] as string[],
  };
  const compact: Record<string, string> = { v: 'via', f: 'from', t: 'to', i: 'call-id' };
  for (const line of lines.slice(1)) {
    if (line === '') break;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const raw = line.slice(0, colon).trim().toLowerCase();
    const name = compact[raw] ?? raw;
    if (name in wanted && /^[\x20-\x7e\t]*$/.test(line)) {
      wanted[name as keyof typeof wanted].push(line.slice(colon + 1).trim());
    }
  }
  if (Object.values(wanted).some((v) => v.length === 0)) return undefined;
  const out = [
    'SIP/2.0 400 Bad Request',
    ...wanted.via.map((v) => `Via: ${v}`),
    `From: ${wanted.from[0]}`,
    `To: ${wanted.to[0]}`,
    `Call-ID: ${wanted['call-id'][0]}`,
    `CSeq: ${wanted.cseq[0]}`,
    'Server: Escucha',
    'Content-Length: 0',
    '',
    '',
  ];
  return Buffer.from(out.join('\r\n'), 'latin1');
}
