import { useEffect, useRef, useState } from 'preact/hooks';
import { API } from '../api.ts';
import { formatClock } from '../format.ts';
import { useI18n, type MessageKey } from '../i18n.ts';
import { plural } from '../labels.ts';
import { useNow } from '../live-alerts.ts';
import {
  decodeAudioFrame,
  FRAME_KEY_PRESS,
  FRAME_PAUSED,
  LIVE_PARTIES,
  liveAudioPath,
  type LiveAudioFrame,
  type LiveAudioMessage,
  type LiveParty,
} from '../../../live/live-audio.protocol.ts';

/**
 * Listens to a call in progress: opens the live-audio WebSocket (services/live/live-audio.protocol.ts) and plays its
 * frames with the Web Audio API, each an AudioBuffer scheduled right after the one before (a little ahead of the
 * clock, never more than `MAX_AHEAD_S`: frames that would be later are skipped, so the player stays near the call).
 * Both parties play in stereo (agent left, customer right), as the archive's player does; one party plays in both
 * ears. Changing the party opens a new listen (each is audited). Every control is a native, labelled element.
 */

type Status = 'idle' | 'connecting' | 'listening' | 'ended' | 'closed' | 'failed';

/** How far ahead of the audio clock the first frame is scheduled (a jitter cushion). */
const LEAD_S = 0.12;
/** Frames scheduled further ahead than this are skipped instead (the player fell behind). */
const MAX_AHEAD_S = 0.6;

interface Meter {
  latencyMs: number | null;
  levels: [number | null, number | null];
  frames: number;
  dropped: number;
  keyPressAt: number | null;
}

function levelDb(samples: Int16Array, channels: number, channel: number): number {
  let sum = 0;
  let n = 0;
  for (let i = channel; i < samples.length; i += channels) {
    sum += samples[i]! * samples[i]!;
    n++;
  }
  const rms = n === 0 ? 0 : Math.sqrt(sum / n) / 32768;
  return rms <= 0 ? -96 : Math.max(-96, Math.round(20 * Math.log10(rms)));
}

function typingTarget(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));
}

export function LivePlayer({ captureId }: { captureId: string }) {
  const { t } = useI18n();
  const [party, setParty] = useState<LiveParty>('both');
  const [listening, setListening] = useState(false);
  const [volume, setVolume] = useState(80);
  const [status, setStatus] = useState<Status>('idle');
  const [startedAtMs, setStartedAtMs] = useState<number | null>(null);
  const [pausedSince, setPausedSince] = useState<number | null>(null);
  const [notLive, setNotLive] = useState<Array<'agent' | 'customer'>>([]);
  const [serverError, setServerError] = useState<string | null>(null);
  const [meter, setMeter] = useState<Meter>({
    latencyMs: null,
    levels: [null, null],
    frames: 0,
    dropped: 0,
    keyPressAt: null,
  });
  const now = useNow();
  const audio = useRef<{ ctx: AudioContext; gain: GainNode } | null>(null);

  // The audio context is made (and resumed) on the press that starts listening, as browsers require.
  const ensureAudio = () => {
    if (!audio.current) {
      const ctx = new AudioContext();
      const gain = ctx.createGain();
      gain.connect(ctx.destination);
      audio.current = { ctx, gain };
    }
    void audio.current.ctx.resume();
    return audio.current;
  };

  useEffect(() => {
    if (audio.current) audio.current.gain.gain.value = volume / 100;
  }, [volume]);

  useEffect(
    () => () => {
      void audio.current?.ctx.close();
      audio.current = null;
    },
    [],
  );

  useEffect(() => {
    if (!listening || !audio.current) return;
    const { ctx, gain } = audio.current;
    gain.gain.value = volume / 100;
    setStatus('connecting');
    setServerError(null);
    setNotLive([]);
    setPausedSince(null);
    setMeter({ latencyMs: null, levels: [null, null], frames: 0, dropped: 0, keyPressAt: null });
    const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(`${scheme}://${window.location.host}${API}${liveAudioPath(captureId, party)}`);
    ws.binaryType = 'arraybuffer';
    let next = 0;
    let opened = false;
    let done = false;
    /** Schedules a frame; how far ahead of the clock it plays (s), or false when it was skipped. */
    const play = (frame: LiveAudioFrame): number | false => {
      const count = frame.samples.length / frame.channels;
      if (count === 0) return false;
      const buffer = ctx.createBuffer(frame.channels, count, 8000);
      for (let c = 0; c < frame.channels; c++) {
        const data = buffer.getChannelData(c);
        for (let i = 0; i < count; i++) data[i] = frame.samples[i * frame.channels + c]! / 32768;
      }
      const at = Math.max(next, ctx.currentTime + LEAD_S);
      const ahead = at - ctx.currentTime;
      if (ahead > MAX_AHEAD_S) return false;
      const source = ctx.createBufferSource();
      source.buffer = buffer;
      source.connect(gain);
      source.start(at);
      next = at + buffer.duration;
      return ahead;
    };
    ws.onopen = () => {
      opened = true;
      setStatus('listening');
    };
    ws.onmessage = (event: MessageEvent) => {
      if (typeof event.data === 'string') {
        const message = JSON.parse(event.data) as LiveAudioMessage;
        if (message.type === 'start') {
          setStartedAtMs(message.startedAtMs);
          setPausedSince(message.pausedSinceMs);
        } else if (message.type === 'paused') setPausedSince(message.sinceMs);
        else if (message.type === 'resumed') setPausedSince(null);
        else if (message.type === 'notice') setNotLive((list) => [...new Set([...list, message.party])]);
        else if (message.type === 'end') {
          done = true;
          setStatus('ended');
        } else if (message.type === 'error') setServerError(message.code);
        return;
      }
      const frame = decodeAudioFrame(event.data as ArrayBuffer);
      if (!frame) return;
      const ahead = play(frame);
      setMeter((m) => ({
        latencyMs: ahead === false ? m.latencyMs : Math.round(frame.lagMs + ahead * 1000),
        levels:
          frame.channels === 2
            ? [levelDb(frame.samples, 2, 0), levelDb(frame.samples, 2, 1)]
            : party === 'agent'
              ? [levelDb(frame.samples, 1, 0), null]
              : [null, levelDb(frame.samples, 1, 0)],
        frames: m.frames + 1,
        dropped: m.dropped + frame.dropped + (ahead === false ? 1 : 0),
        keyPressAt: frame.flags & FRAME_KEY_PRESS ? Date.now() : m.keyPressAt,
      }));
      if (frame.flags & FRAME_PAUSED) setPausedSince((p) => p ?? Date.now());
    };
    ws.onclose = (event: CloseEvent) => {
      if (done) return;
      // 4000 + status: the server stopped the listen with an error (said just before).
      setStatus(opened && event.code < 4000 ? 'closed' : 'failed');
      setListening(false);
    };
    return () => {
      done = true;
      ws.onclose = null;
      ws.close(1000);
    };
  }, [listening, party, captureId]);

  const toggle = () => {
    if (listening) {
      setListening(false);
      setStatus('closed');
    } else {
      ensureAudio();
      setListening(true);
    }
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typingTarget(e.target)) return;
      const choice = { '1': 'both', '2': 'agent', '3': 'customer' }[e.key] as LiveParty | undefined;
      if (e.key === 'l' || e.key === 'L') toggle();
      else if (choice) setParty(choice);
      else if (e.key === 'ArrowUp') setVolume((v) => Math.min(100, v + 10));
      else if (e.key === 'ArrowDown') setVolume((v) => Math.max(0, v - 10));
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const partyName = (p: 'agent' | 'customer') => t(p === 'agent' ? 'party_agent' : 'party_customer');
  const keyPressRecent = meter.keyPressAt !== null && now - meter.keyPressAt < 3000;
  return (
    <div
      class="live-player"
      data-testid="live-player"
      data-frames={meter.frames}
      data-status={status}
      aria-describedby="live-shortcuts"
    >
      <div class="live-controls">
        <button type="button" class={listening ? '' : 'primary'} onClick={toggle} aria-pressed={listening}>
          {listening ? t('liveStop') : t('liveListen')}
        </button>
        <fieldset class="live-party">
          <legend>{t('liveParty')}</legend>
          {LIVE_PARTIES.map((p) => (
            <label key={p}>
              <input
                type="radio"
                name="live-party"
                value={p}
                checked={party === p}
                onChange={() => setParty(p)}
              />{' '}
              {t(`liveParty_${p}` as MessageKey)}
            </label>
          ))}
        </fieldset>
        <label class="live-volume">
          {t('liveVolume')}{' '}
          <input
            type="range"
            min={0}
            max={100}
            step={5}
            value={volume}
            aria-valuetext={`${volume} %`}
            onInput={(e) => setVolume(Number((e.currentTarget as HTMLInputElement).value))}
          />
        </label>
      </div>
      <p role="status" class="live-status">
        {status === 'failed' && serverError !== null
          ? t(`error_${serverError}` as MessageKey)
          : t(`liveStatus_${status}` as MessageKey)}
        {startedAtMs !== null && status === 'listening' && (
          <> · {t('liveElapsed', { clock: formatClock(Math.max(0, (now - startedAtMs) / 1000)) })}</>
        )}
      </p>
      <dl class="live-meters">
        <div>
          <dt>{t('liveLatency')}</dt>
          <dd>
            <output data-testid="live-latency">
              {meter.latencyMs === null
                ? '—'
                : t('liveLatencyValue', { seconds: (meter.latencyMs / 1000).toFixed(1) })}
            </output>
          </dd>
        </div>
        {(['agent', 'customer'] as const).map((p, c) => {
          const db = meter.levels[c];
          return (
            <div key={p}>
              <dt>
                {t('liveLevel')} · {partyName(p)}
              </dt>
              <dd>
                <meter
                  min={-60}
                  max={0}
                  low={-40}
                  high={-6}
                  value={db ?? -60}
                  aria-label={t('liveLevelOf', { party: partyName(p), db: db ?? '—' })}
                  data-testid={`live-level-${p}`}
                />
              </dd>
            </div>
          );
        })}
      </dl>
      {pausedSince !== null && <p class="notice notice-warn">{t('livePaused')}</p>}
      {keyPressRecent && <p class="notice notice-info">{t('liveKeyPress')}</p>}
      {notLive.map((p) => (
        <p key={p} class="notice notice-warn">
          {t(`liveNotLive_${p}` as MessageKey)}
        </p>
      ))}
      {meter.dropped > 0 && <p class="muted">{plural(t, 'liveDropped', meter.dropped)}</p>}
      <p id="live-shortcuts" class="muted">
        {t('liveShortcuts')}
      </p>
    </div>
  );
}
