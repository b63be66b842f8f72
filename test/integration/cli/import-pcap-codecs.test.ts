import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeG711 } from '../../../services/capture/rtp/g711.ts';
import { encodeRtp } from '../../../services/capture/rtp/rtp.ts';
import { udpFrame, writePcap, type WrittenFrame } from '../../unit/capture/pcap-writer.ts';
import { BIN, embeddedClient, serveEnv, startServe, type ServeProcess } from '../../support/serve.ts';

const exec = promisify(execFile);

const A = '192.0.2.10';
const B = '198.51.100.20';

/** One SIP-over-UDP call per codec: INVITE/200/ACK with the codec's rtpmap, 1.5 s of RTP each way, BYE. */
function capture(
  codecs: Array<{
    name: string;
    pt: number;
    bytes: number;
    samples: number;
    payload?: Buffer;
    /** The SDP's rtpmap (`name/8000` unless given; null: none, a dynamic payload type nobody names). */
    rtpmap?: string | null;
  }>,
) {
  const frames: WrittenFrame[] = [];
  const push = (atMs: number, data: Buffer) => {
    const us = Math.round(atMs * 1000);
    frames.push({ seconds: 1_790_000_000 + Math.floor(us / 1e6), fraction: us % 1e6, data });
  };
  const sip = (lines: string[], body = '') =>
    Buffer.from([...lines, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n'));
  codecs.forEach((codec, n) => {
    const t0 = n * 3000;
    const callId = `${codec.name}-call@pbx`;
    const head = (to: string) => [
      'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK' + n,
      'From: "Operador 7" <sip:7001@pbx>;tag=f' + n,
      to,
      `Call-ID: ${callId}`,
    ];
    const sdp = (ip: string, port: number) =>
      [
        'v=0',
        `o=- 1 1 IN IP4 ${ip}`,
        's=-',
        `c=IN IP4 ${ip}`,
        't=0 0',
        `m=audio ${port} RTP/AVP ${codec.pt}`,
        ...(codec.rtpmap === null ? [] : [`a=rtpmap:${codec.pt} ${codec.rtpmap ?? `${codec.name}/8000`}`]),
        '',
      ].join('\r\n');
    const to = 'To: <sip:+573001234567@carrier>';
    const rtpA = 30000 + n * 2;
    const rtpB = 40000 + n * 2;
    push(
      t0,
      udpFrame(
        A,
        B,
        5060,
        5060,
        sip(
          [
            'INVITE sip:+573001234567@carrier SIP/2.0',
            ...head(to),
            'CSeq: 1 INVITE',
            'Content-Type: application/sdp',
          ],
          sdp(A, rtpA),
        ),
      ),
    );
    push(
      t0 + 20,
      udpFrame(
        B,
        A,
        5060,
        5060,
        sip(
          ['SIP/2.0 200 OK', ...head(`${to};tag=t${n}`), 'CSeq: 1 INVITE', 'Content-Type: application/sdp'],
          sdp(B, rtpB),
        ),
      ),
    );
    const packets = Math.round(1500 / ((codec.samples / 8000) * 1000));
    for (let i = 0; i < packets; i++) {
      const at = t0 + 100 + (i * codec.samples) / 8;
      const payload = codec.payload ?? randomBytes(codec.bytes);
      push(
        at,
        udpFrame(
          A,
          B,
          rtpA,
          rtpB,
          encodeRtp({
            payloadType: codec.pt,
            sequence: i,
            timestamp: i * codec.samples,
            ssrc: 0x100 + n,
            payload,
          }),
        ),
      );
      push(
        at + 2,
        udpFrame(
          B,
          A,
          rtpB,
          rtpA,
          encodeRtp({
            payloadType: codec.pt,
            sequence: i,
            timestamp: i * codec.samples,
            ssrc: 0x200 + n,
            payload,
          }),
        ),
      );
    }
    push(
      t0 + 1700,
      udpFrame(
        A,
        B,
        5060,
        5060,
        sip(['BYE sip:+573001234567@carrier SIP/2.0', ...head(`${to};tag=t${n}`), 'CSeq: 2 BYE']),
      ),
    );
  });
  return writePcap(frames);
}

/** A capture of calls in codecs Escucha cannot decode, imported with the CLI as users run it. */
describe('escucha import-pcap with codecs that cannot be decoded', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let serve: ServeProcess | undefined;

  beforeAll(async () => {
    ({ dir, env } = await serveEnv('escucha-codecs-'));
  });
  afterAll(async () => {
    await serve?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('archives the calls with their metadata and length, names the codecs and exits non-zero', async () => {
    const file = path.join(dir, 'codecs.pcap');
    const tone = encodeG711(
      Int16Array.from({ length: 160 }, (_, i) => Math.round(6000 * Math.sin(i / 2))),
      'PCMU',
    );
    await writeFile(
      file,
      capture([
        { name: 'G723', pt: 4, bytes: 24, samples: 240 }, // G.723.1, 30 ms frames
        { name: 'EVS', pt: 97, bytes: 33, samples: 160 },
        { name: 'unnamed', pt: 98, bytes: 40, samples: 160, rtpmap: null },
        { name: 'PCMU', pt: 0, bytes: 160, samples: 160, payload: tone },
      ]),
    );
    const run = await exec(process.execPath, [BIN, 'import-pcap', file], { env }).catch(
      (e: { stdout: string; stderr: string; code: number }) => e,
    );
    const { stdout } = run as { stdout: string };
    expect((run as { code?: number }).code, stdout).toBe(1);
    expect(stdout).toMatch(/4 dialogs, 4 calls/);
    expect(stdout).not.toMatch(/dialogs without RTP/);
    expect(stdout).toMatch(/G723-call@pbx, 1\.\d\d s, 2 streams, 0 DTMF, audio not decodable: G723/);
    expect(stdout).toMatch(
      /unnamed-call@pbx, 1\.\d\d s, 2 streams, 0 DTMF, audio not decodable: payload type 98/,
    );
    expect(stdout).toMatch(/PCMU-call@pbx, 1\.\d\d s, 2 streams, 0 DTMF\n/);
    expect(stdout).toMatch(
      /audio not decodable: EVS \(1 call\), G723 \(1 call\), payload type 98 \(1 call\); archived with their metadata and length/,
    );
    expect(stdout).toMatch(/imported 4 calls from 1 files/);

    // What was stored, read from the database (which the import stopped when it finished: serve starts it again).
    serve = await startServe(env, 90_000);
    const db = await embeddedClient(env.ESCUCHA_DATA_DIR!);
    try {
      const rows = await db.query<{
        sip_call_id: string;
        duration_ms: number;
        codecs: string[];
        audio: string[];
        notes: string[];
      }>(
        `select c.sip_call_id, c.duration_ms,
                array_agg(s.codec order by s.channel) as codecs, array_agg(s.audio order by s.channel) as audio,
                (select array(select jsonb_array_elements_text(cc.notes))) as notes
           from calls c join call_rtp_streams s on s.call_id = c.id join call_captures cc on cc.call_id = c.id
          group by c.id, cc.notes order by 1`,
      );
      const byCall = Object.fromEntries(rows.rows.map((r) => [r.sip_call_id, r]));
      for (const [name, codec] of [
        ['G723', 'G723'],
        ['EVS', 'EVS'],
        ['unnamed', 'payload type 98'],
      ] as const) {
        const row = byCall[`${name}-call@pbx`]!;
        expect(row.codecs).toEqual([codec, codec]);
        expect(row.audio).toEqual(['not-decodable', 'not-decodable']);
        expect(Math.abs(row.duration_ms - 1500), codec).toBeLessThan(80);
        expect(row.notes.join('\n')).toContain(`audio not decodable: ${codec}`);
      }
      expect(byCall['PCMU-call@pbx']!.audio).toEqual(['decoded', 'decoded']);
    } finally {
      await db.end();
    }
  }, 180_000);
});
