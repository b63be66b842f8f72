import { appendFile, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assembleCall, readAssembled } from '../../../services/capture/spool/call.assembler.ts';
import {
  DEFAULT_HEADER_MAP,
  parseHeaderMap,
  type MetadataRules,
} from '../../../services/capture/call.metadata.ts';
import { decodeG711, encodeG711 } from '../../../services/capture/rtp/g711.ts';
import {
  readSpool,
  SPOOL_FILE,
  SpoolWriter,
  type SpoolRecord,
} from '../../../services/capture/spool/spool.log.ts';

const RULES: MetadataRules = {
  agentHeader: 'X-Agent-Id',
  headerMap: parseHeaderMap(DEFAULT_HEADER_MAP),
  agentPattern: /^[0-9]{3,5}$/,
  defaultAgent: 'caller',
};

const SIP = {
  callId: 'c1',
  requestUri: 'sip:srs@x',
  from: { uri: 'sip:2001@pbx', name: 'Ana', user: '2001', number: '2001' },
  to: { uri: 'sip:+573001112233@c', name: null, user: '+573001112233', number: '+573001112233' },
  headers: { 'x-campaign': 'early' },
};

function constant(n: number, value: number): Int16Array {
  return new Int16Array(n).fill(value);
}

async function collect(file: string): Promise<{ records: SpoolRecord[]; clean: boolean }> {
  const records: SpoolRecord[] = [];
  const result = await readSpool(file, (r) => {
    records.push(r);
  });
  return { records, clean: result.clean };
}

describe(SpoolWriter.name, () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'escucha-spool-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes events and PCM that read back in order, merging contiguous PCM of a track into one record', async () => {
    const w = new SpoolWriter(path.join(dir, 'a'), { fsync: false });
    await w.open({ t: 'call', captureId: 'a' });
    w.pcm(0, 0, constant(160, 1));
    w.pcm(0, 160, constant(160, 2));
    w.pcm(1, 0, constant(80, 3));
    w.silence(0, 320, 160);
    w.event({ t: 'dtmf', digit: '5' });
    await w.close();
    const { records, clean } = await collect(path.join(dir, 'a', SPOOL_FILE));
    expect(clean).toBe(true);
    expect(records.map((r) => r.type)).toEqual(['event', 'pcm', 'silence', 'pcm', 'event']);
    const first = records[1] as Extract<SpoolRecord, { type: 'pcm' }>;
    expect(first.position).toBe(0);
    expect(first.samples.length).toBe(320);
    expect(first.samples[200]).toBe(2);
  });

  it('keeps every intact record before a torn one (a crash in the middle of a write)', async () => {
    const w = new SpoolWriter(path.join(dir, 'b'), { fsync: true });
    await w.open({ t: 'call', captureId: 'b' });
    w.pcm(0, 0, constant(160, 7));
    await w.flush();
    w.event({ t: 'note', text: 'second' });
    await w.close();
    const file = path.join(dir, 'b', SPOOL_FILE);
    const size = (await readFile(file)).length;
    await truncate(file, size - 3);
    const torn = await collect(file);
    expect(torn.clean).toBe(false);
    expect(torn.records.map((r) => r.type)).toEqual(['event', 'pcm']);
    await appendFile(file, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]));
    expect((await collect(file)).records).toHaveLength(2);
  });

  it('stores G.711 as its codes and reads it back as PCM, merged per track and law, with extents', async () => {
    const w = new SpoolWriter(path.join(dir, 'g'), { fsync: false });
    await w.open({ t: 'call' });
    const tone = Int16Array.from({ length: 320 }, (_, i) => Math.round(9000 * Math.sin(i / 5)));
    const ulaw = Buffer.concat([Buffer.from([0x80, 0, 0, 0]), encodeG711(tone, 'PCMU')]);
    w.g711(0, 0, 'PCMU', ulaw, 4, 160);
    w.g711(0, 160, 'PCMU', ulaw, 164, 160);
    w.g711(0, 320, 'PCMA', encodeG711(tone, 'PCMA'), 0, 320);
    w.silence(0, 640, 80);
    await w.close();
    const { records, clean } = await collect(path.join(dir, 'g', SPOOL_FILE));
    expect(clean).toBe(true);
    expect(records.map((r) => r.type)).toEqual(['event', 'pcm', 'pcm', 'silence']);
    const [first, second] = records.slice(1, 3) as Array<Extract<SpoolRecord, { type: 'pcm' }>>;
    expect([first?.position, first?.samples.length, second?.position, second?.samples.length]).toEqual([
      0, 320, 320, 320,
    ]);
    expect(first?.samples).toEqual(decodeG711(encodeG711(tone, 'PCMU'), 'PCMU'));
    expect(second?.samples).toEqual(decodeG711(encodeG711(tone, 'PCMA'), 'PCMA'));
    const extents: SpoolRecord[] = [];
    await readSpool(path.join(dir, 'g', SPOOL_FILE), (r) => void extents.push(r), { eventsOnly: true });
    expect(extents[1]).toEqual({ type: 'extent', track: 0, position: 0, count: 320 });
  });

  it('keeps G.711 written before a crash once flushed, and drops a torn G.711 record', async () => {
    const w = new SpoolWriter(path.join(dir, 'h'), { fsync: true });
    await w.open({ t: 'call' });
    w.g711(1, 0, 'PCMU', Buffer.alloc(160, 0x7f), 0, 160);
    await w.flush();
    w.g711(1, 160, 'PCMU', Buffer.alloc(160, 0x7f), 0, 160);
    await w.flush();
    const file = path.join(dir, 'h', SPOOL_FILE);
    await truncate(file, (await readFile(file)).length - 5);
    const torn = await collect(file);
    expect(torn.clean).toBe(false);
    expect(torn.records.map((r) => r.type)).toEqual(['event', 'pcm']);
    expect((torn.records[1] as Extract<SpoolRecord, { type: 'pcm' }>).samples).toHaveLength(160);
    await w.close();
  });

  it('reports PCM extents without samples in the events-only pass', async () => {
    const w = new SpoolWriter(path.join(dir, 'c'), { fsync: false });
    await w.open({ t: 'call' });
    w.pcm(3, 800, constant(400, 1));
    await w.close();
    const records: SpoolRecord[] = [];
    await readSpool(path.join(dir, 'c', SPOOL_FILE), (r) => void records.push(r), { eventsOnly: true });
    expect(records[1]).toEqual({ type: 'extent', track: 3, position: 800, count: 400 });
  });
});

describe(assembleCall.name, () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'escucha-assemble-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function spool(events: (w: SpoolWriter) => void, end = true): Promise<string> {
    const callDir = path.join(dir, 'call');
    const w = new SpoolWriter(callDir, { fsync: false });
    await w.open({
      t: 'call',
      captureId: 'cap-1',
      source: 'siprec',
      startedAtMs: 1_000_000,
      sip: SIP,
      siprec: null,
    });
    events(w);
    if (end) w.event({ t: 'end', atMs: 1_003_000, reason: 'bye' });
    await w.close();
    return callDir;
  }

  const stream = (track: number, channel: number, sampleRate = 8000) => ({
    t: 'stream',
    track,
    channel,
    label: String(track),
    codec: sampleRate === 8000 ? 'PCMU' : 'L16',
    payloadType: 0,
    clockRate: sampleRate,
    sampleRate,
    deferred: null,
  });

  it('places streams on one timeline (agent left), at the highest rate, silencing key presses and pauses', async () => {
    const callDir = await spool((w) => {
      w.event(stream(0, 1));
      w.event({ t: 'origin', track: 0, atMs: 1_000_100 });
      w.pcm(0, 0, constant(16000, 1000)); // 2 s at 8 kHz from +0 ms
      w.event(stream(1, 0, 16000));
      w.event({ t: 'origin', track: 1, atMs: 1_000_600 });
      w.pcm(1, 0, constant(16000, 2000)); // 1 s at 16 kHz from +500 ms
      w.event({
        t: 'dtmf',
        track: 0,
        channel: 1,
        digit: '4',
        atMs: 1_000_300,
        durationMs: 100,
        method: 'rfc4733',
      });
      w.event({ t: 'pause', atMs: 1_001_800, reason: 'inactive' });
      w.event({ t: 'resume', atMs: 1_001_900 });
      w.event({
        t: 'stats',
        track: 0,
        received: 100,
        expected: 100,
        lost: 0,
        ssrcs: [1],
        firstArrivalMs: 1_000_100,
        endMs: 1_002_100,
      });
    });
    const call = await assembleCall(callDir, { ffmpegPath: 'ffmpeg', rules: RULES });
    expect(call.sampleRate).toBe(16000);
    expect(call.durationMs).toBe(2000);
    expect(call.recovered).toBe(false);
    expect(call.truncated).toBe(false);
    expect(call.dtmf).toEqual([{ channel: 1, digit: 'X', startMs: 200, durationMs: 100, method: 'rfc4733' }]);
    expect(call.pauses).toEqual([{ startMs: 1700, endMs: 1800, reason: 'inactive' }]);
    expect(call.metadata).toMatchObject({ campaign: 'early', agentName: 'Ana', direction: 'outbound' });
    const wav = await readFile(call.filePath);
    const at = (ms: number, channel: number) =>
      wav.readInt16LE(44 + Math.round((ms * 16000) / 1000) * 4 + channel * 2);
    expect(at(100, 1)).toBe(1000); // customer (channel 1) upsampled to 16 kHz
    expect(at(100, 0)).toBe(0); // the agent starts at +500 ms
    expect(at(700, 0)).toBe(2000);
    expect(at(250, 1)).toBe(0); // key press 200–300 ms with guard
    expect(at(1750, 1)).toBe(0); // pause
    expect(at(1850, 1)).toBe(1000);
    expect(await readAssembled(callDir)).toMatchObject({ captureId: 'cap-1', durationMs: 2000 });
    expect((await readAssembled(callDir))!.metadata.startedAt).toBeInstanceOf(Date);
  });

  it('marks a spool without an end marker as recovered and truncated, and keeps digits only when asked', async () => {
    const callDir = await spool((w) => {
      w.event(stream(0, 0));
      w.event({ t: 'origin', track: 0, atMs: 1_000_000 });
      w.pcm(0, 0, constant(8000, 500));
      w.event({
        t: 'dtmf',
        track: 0,
        channel: 0,
        digit: '7',
        atMs: 1_000_500,
        durationMs: 50,
        method: 'rfc4733',
      });
    }, false);
    await writeFile(path.join(callDir, 'junk'), 'x');
    const call = await assembleCall(callDir, {
      ffmpegPath: 'ffmpeg',
      rules: RULES,
      keepDtmfDigits: true,
      silenceDtmf: false,
    });
    expect(call).toMatchObject({ recovered: true, truncated: true, durationMs: 1000 });
    expect(call.metadata.custom).toMatchObject({ recovered: true, truncated: true });
    expect(call.dtmf[0]!.digit).toBe('7');
    const wav = await readFile(call.filePath);
    expect(wav.readInt16LE(44 + 4100 * 4)).toBe(500); // not silenced
  });
});
