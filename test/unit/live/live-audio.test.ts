import { describe, expect, it } from 'vitest';
import type { LiveAudio } from '../../../services/capture/live.tap.ts';
import { LiveHub } from '../../../services/live/live.hub.ts';
import { LiveAudioMixer, toLiveRate } from '../../../services/live/live-audio.mixer.ts';
import {
  decodeAudioFrame,
  encodeAudioFrame,
  FRAME_KEY_PRESS,
  FRAME_PAUSED,
  type LiveAudioMessage,
} from '../../../services/live/live-audio.protocol.ts';
import { LiveAudioStream, type LiveAudioSink } from '../../../services/live/live-audio.stream.ts';
import { silentLogger } from '../../../services/platform/logger.ts';

const T0 = 1_700_000_000_000;

/** A stretch of one party: `ms` long from `fromMs` after the call's start, every sample `value`. */
function stretch(channel: number, fromMs: number, ms: number, value: number, voiced = true): LiveAudio {
  return {
    channel,
    track: channel,
    sampleRate: 8000,
    position: fromMs * 8,
    arrivalMs: T0 + fromMs,
    atMs: T0 + fromMs,
    samples: new Int16Array(ms * 8).fill(value),
    voiced,
  };
}

/** Every sample of the frames, per channel, on one timeline from the first frame. */
function samplesOf(frames: { samples: Int16Array; channels: number }[], channel = 0): number[] {
  return frames.flatMap((f) => [...f.samples].filter((_, i) => i % f.channels === channel));
}

describe('the live audio frame', () => {
  it('carries its header and 16-bit little-endian PCM both ways', () => {
    const samples = Int16Array.from([1, -2, 32767, -32768, 0, 300]);
    const bytes = encodeAudioFrame({
      channels: 2,
      flags: FRAME_KEY_PRESS,
      sequence: 7,
      startMs: 1234,
      lagMs: 180,
      dropped: 2,
      samples,
    });
    expect(bytes.length).toBe(16 + 12);
    expect(bytes[16]).toBe(1); // little-endian
    const frame = decodeAudioFrame(bytes.buffer as ArrayBuffer)!;
    expect({ ...frame, samples: [...frame.samples] }).toEqual({
      channels: 2,
      flags: FRAME_KEY_PRESS,
      sequence: 7,
      startMs: 1234,
      lagMs: 180,
      dropped: 2,
      samples: [...samples],
    });
    expect(decodeAudioFrame(new Uint8Array(4))).toBeUndefined();
  });
});

describe(LiveAudioMixer.name, () => {
  it('cuts one party into frames of 40 ms, each leaving once newer audio is 60 ms past its end', () => {
    const mixer = new LiveAudioMixer({ party: 'agent', callStartMs: T0, silenceKeyPresses: true });
    const frames = [];
    for (let ms = 0; ms < 200; ms += 20) {
      mixer.push(stretch(0, ms, 20, ms / 20 + 1));
      mixer.push(stretch(1, ms, 20, 999)); // the customer is not asked for
      frames.push(...mixer.frames());
    }
    // 200 ms received, 60 held back: three frames of 40 ms.
    expect(frames.map((f) => [f.startMs, f.endMs, f.channels])).toEqual([
      [0, 40, 1],
      [40, 80, 1],
      [80, 120, 1],
    ]);
    expect(samplesOf(frames)).toEqual([1, 2, 3, 4, 5, 6].flatMap((v) => Array(160).fill(v)));
    const rest = mixer.flush();
    expect(rest.map((f) => f.endMs).at(-1)).toBe(200);
    expect(samplesOf([...frames, ...rest])).not.toContain(999);
  });

  it('interleaves both parties on the call’s clock, whichever arrives first', () => {
    const mixer = new LiveAudioMixer({ party: 'both', callStartMs: T0, silenceKeyPresses: true });
    // The customer's stretches are told 60 ms later than the agent's of the same time.
    mixer.push(stretch(0, 0, 100, 100));
    mixer.push(stretch(0, 100, 100, 100));
    mixer.push(stretch(1, 0, 100, -200));
    mixer.push(stretch(1, 100, 100, -200));
    const frames = [...mixer.frames(), ...mixer.flush()];
    expect(frames.every((f) => f.channels === 2)).toBe(true);
    expect(samplesOf(frames, 0)).toEqual(Array(1600).fill(100));
    expect(samplesOf(frames, 1)).toEqual(Array(1600).fill(-200));
  });

  it('waits for the slower party, but no more than 400 ms for one that sends nothing', () => {
    const mixer = new LiveAudioMixer({ party: 'both', callStartMs: T0, silenceKeyPresses: true });
    mixer.push(stretch(1, 0, 100, 2));
    for (let ms = 0; ms < 1000; ms += 20) mixer.push(stretch(0, ms, 20, 1));
    const frames = mixer.frames();
    // The customer stopped at 100 ms: the agent's frames go 400 ms behind the agent's newest audio.
    expect(frames.at(-1)!.endMs).toBe(600);
    expect(samplesOf(frames, 1).slice(0, 800)).toEqual(Array(800).fill(2));
    expect(
      samplesOf(frames, 1)
        .slice(800)
        .every((v) => v === 0),
    ).toBe(true);
    mixer.push(stretch(1, 100, 900, 2));
    expect(mixer.frames().at(-1)!.endMs).toBe(920);
  });

  it('brings 16 kHz audio to 8 kHz', () => {
    expect([...toLiveRate(Int16Array.from([10, 20, 30, 50]), 16000)]).toEqual([15, 40]);
    const mixer = new LiveAudioMixer({ party: 'customer', callStartMs: T0, silenceKeyPresses: true });
    mixer.push({ ...stretch(1, 0, 80, 7), sampleRate: 16000, samples: new Int16Array(1280).fill(7) });
    expect(samplesOf(mixer.flush())).toEqual(Array(640).fill(7));
  });

  it('silences both parties over a key press and its guards, told before its audio is played out', () => {
    const mixer = new LiveAudioMixer({ party: 'both', callStartMs: T0, silenceKeyPresses: true });
    const frames = [];
    for (let ms = 0; ms < 600; ms += 20) {
      // The key press (on the customer's stream) starts at 200 ms and lasts 100 ms; its packets come every 20 ms.
      if (ms >= 200 && ms < 300) {
        mixer.keyPress({
          channel: 1,
          track: 1,
          atMs: T0 + 200,
          durationMs: ms - 200 + 20,
          ended: ms === 280,
        });
      }
      mixer.push(stretch(0, ms, 20, 1000));
      mixer.push(stretch(1, ms, 20, 2000));
      frames.push(...mixer.frames());
    }
    frames.push(...mixer.flush());
    const agent = samplesOf(frames, 0);
    const customer = samplesOf(frames, 1);
    expect(agent).toHaveLength(600 * 8);
    // Silent from 30 ms before the press to 60 ms after its end (170 ms to 360 ms), on both channels.
    const silent = (s: number[]) => s.map((v, i) => (v === 0 ? i : -1)).filter((i) => i >= 0);
    const span = Array.from({ length: (360 - 170) * 8 }, (_, i) => 170 * 8 + i);
    expect(silent(agent)).toEqual(span);
    expect(silent(customer)).toEqual(span);
    expect(frames.filter((f) => f.flags & FRAME_KEY_PRESS).map((f) => f.startMs)).toEqual([
      160, 200, 240, 280, 320,
    ]);
  });

  it('keeps key presses when told not to silence them, and silences a pause', () => {
    const mixer = new LiveAudioMixer({ party: 'agent', callStartMs: T0, silenceKeyPresses: false });
    mixer.keyPress({ channel: 0, track: 0, atMs: T0 + 40, durationMs: 40, ended: true });
    mixer.pause(T0 + 200);
    mixer.resume(T0 + 280);
    mixer.push(stretch(0, 0, 400, 5));
    const frames = mixer.flush();
    const agent = samplesOf(frames);
    expect(agent.slice(0, 200 * 8).every((v) => v === 5)).toBe(true);
    expect(agent.slice(200 * 8, 280 * 8).every((v) => v === 0)).toBe(true);
    expect(agent.slice(280 * 8).every((v) => v === 5)).toBe(true);
    expect(frames.filter((f) => f.flags & FRAME_PAUSED).map((f) => f.startMs)).toEqual([200, 240]);
  });

  it('says which party has given a second of audio and none of it playable', () => {
    const mixer = new LiveAudioMixer({ party: 'both', callStartMs: T0, silenceKeyPresses: true });
    for (let ms = 0; ms < 1000; ms += 20) {
      mixer.push(stretch(0, ms, 20, 0, false));
      mixer.push(stretch(1, ms, 20, 5, true));
    }
    expect(mixer.notLive()).toEqual(['agent']);
  });
});

/** A sink that keeps what it is given, with a buffered amount the test sets. */
class FakeSink implements LiveAudioSink {
  bufferedAmount = 0;
  readonly frames: ReturnType<typeof decodeAudioFrame>[] = [];
  readonly messages: LiveAudioMessage[] = [];
  closed: [number, string] | undefined;
  sendBinary(data: Uint8Array): void {
    this.frames.push(decodeAudioFrame(data));
  }
  sendText(message: LiveAudioMessage): void {
    this.messages.push(message);
  }
  close(code: number, reason: string): void {
    this.closed = [code, reason];
  }
}

function liveCall(hub: LiveHub, captureId = 'c1') {
  hub.started({
    captureId,
    source: 'sip',
    startedAtMs: T0,
    metadata: { agentId: '2001' },
    pausedSinceMs: null,
  });
  return hub.call(captureId)!;
}

describe(LiveAudioStream.name, () => {
  it('sends frames as audio comes, says the start and the end, and never blocks on a slow listener', () => {
    const hub = new LiveHub({ logger: silentLogger(), levels: false });
    const call = liveCall(hub);
    const sink = new FakeSink();
    let now = T0;
    let stats;
    const stream = new LiveAudioStream(
      hub,
      call,
      sink,
      { party: 'agent', silenceKeyPresses: true, holdMs: 120, maxQueueMs: 200, now: () => now },
      (s) => (stats = s),
    );
    expect(hub.wantsAudio('c1')).toBe(false);
    expect(stream.start()).toBe(true);
    expect(hub.wantsAudio('c1')).toBe(true);
    expect(sink.messages[0]).toMatchObject({ type: 'start', party: 'agent', channels: 1, sampleRate: 8000 });
    const feed = (fromMs: number, toMs: number) => {
      for (let ms = fromMs; ms < toMs; ms += 20) {
        now = T0 + ms + 20;
        hub.audio('c1', stretch(0, ms, 20, 1));
      }
    };
    feed(0, 400);
    const sent = sink.frames.length;
    expect(sent).toBe((400 - 120) / 40);
    expect(sink.frames.every((f) => f!.lagMs >= 120 && f!.lagMs <= 200)).toBe(true);
    // The listener stops reading: frames wait, then the oldest go (200 ms of queue: 5 frames).
    sink.bufferedAmount = 1 << 20;
    feed(400, 1200);
    expect(sink.frames.length).toBe(sent);
    sink.bufferedAmount = 0;
    feed(1200, 1220);
    // 20 frames were ready by then (280 ms to 1080 ms); the newest 5 are sent, the first after 15 dropped.
    const after = sink.frames.slice(sent);
    expect(after[0]!.dropped).toBe(15);
    expect(after.map((f) => f!.startMs)).toEqual([880, 920, 960, 1000, 1040]);
    expect(after.map((f) => f!.sequence)).toEqual([7, 8, 9, 10, 11]);
    hub.ended('c1', now, 'bye');
    expect(sink.messages.at(-1)).toEqual({ type: 'end', reason: 'bye' });
    expect(sink.closed).toEqual([1000, 'call ended']);
    expect(stats).toEqual({ framesSent: 16, framesDropped: 15, reason: 'call-ended' });
    expect(sink.frames.at(-1)!.startMs).toBe(1200);
  });

  it('drops frames more than 2 s behind instead of sending them late', () => {
    const hub = new LiveHub({ logger: silentLogger(), levels: false });
    const call = liveCall(hub);
    const sink = new FakeSink();
    const stream = new LiveAudioStream(hub, call, sink, {
      party: 'agent',
      silenceKeyPresses: true,
      now: () => T0 + 5000,
    });
    stream.start();
    for (let ms = 0; ms < 4000; ms += 20) hub.audio('c1', stretch(0, ms, 20, 1));
    expect(sink.frames.length).toBeGreaterThan(0);
    expect(sink.frames.every((f) => f!.lagMs <= 2000)).toBe(true);
    expect(sink.frames[0]!.startMs).toBeGreaterThanOrEqual(2960);
    expect(sink.frames[0]!.dropped).toBeGreaterThan(0);
  });

  it('silences key presses the hub is told of, says pauses, and stops a listener the call leaves the scope of', () => {
    const hub = new LiveHub({ logger: silentLogger(), levels: false });
    const call = liveCall(hub);
    const sink = new FakeSink();
    let stats;
    const stream = new LiveAudioStream(
      hub,
      call,
      sink,
      {
        party: 'both',
        silenceKeyPresses: true,
        now: () => T0,
        stillAllowed: (c) => c.metadata.agentId === '2001',
      },
      (s) => (stats = s),
    );
    stream.start();
    hub.keyPress('c1', { channel: 0, track: 0, atMs: T0 + 100, durationMs: 100, ended: true });
    for (let ms = 0; ms < 600; ms += 20) {
      hub.audio('c1', stretch(0, ms, 20, 9));
      hub.audio('c1', stretch(1, ms, 20, 9));
    }
    const flagged = sink.frames.filter((f) => f!.flags & FRAME_KEY_PRESS);
    expect(flagged.length).toBeGreaterThan(0);
    expect(flagged.every((f) => f!.startMs >= 40 && f!.startMs < 260)).toBe(true);
    hub.updated({ ...call, pausedSinceMs: T0 + 600 });
    expect(sink.messages.at(-1)).toEqual({ type: 'paused', sinceMs: T0 + 600 });
    hub.updated({ ...call, metadata: { agentId: '3001' }, pausedSinceMs: T0 + 600 });
    expect(sink.messages.at(-1)).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    expect(sink.closed).toEqual([4403, 'FORBIDDEN']);
    expect(stats).toMatchObject({ reason: 'out-of-scope' });
    expect(hub.wantsAudio('c1')).toBe(false);
  });
});
