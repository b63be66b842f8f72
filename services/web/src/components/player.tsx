import { useEffect, useRef, useState } from 'preact/hooks';
import WaveSurfer from 'wavesurfer.js';
import RegionsPlugin, { type Region } from 'wavesurfer.js/dist/plugins/regions.esm.js';
import { formatClock } from '../format.ts';
import { useI18n } from '../i18n.ts';

export const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];
/** Above this, the browser would have to decode too much audio to draw the waveform: draw a flat line. */
const WAVEFORM_MAX_MS = 30 * 60_000;

export interface PlayerHandle {
  seek(seconds: number): void;
  play(): void;
  currentTime(): number;
  select(range: { start: number; end: number } | null): void;
}

export interface PlayerProps {
  src: string;
  durationMs: number;
  channels: number;
  /** Called with the playback position (seconds), at most ~10 times a second while playing and on every seek. */
  onTime(seconds: number): void;
  onSelection?(range: { start: number; end: number } | null): void;
  handle: { current: PlayerHandle | null };
  startAt?: number;
  downloadHref?: string | undefined;
}

function typingTarget(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
}

/**
 * Two-channel player (agent on the left channel, customer on the right, drawn as two waveforms) with speed
 * control and keyboard shortcuts: space play/pause, ← → 5 seconds, [ ] slower/faster.
 */
export function Player(props: PlayerProps) {
  const { t } = useI18n();
  const container = useRef<HTMLDivElement>(null);
  const ws = useRef<WaveSurfer | null>(null);
  const regions = useRef<ReturnType<typeof RegionsPlugin.create> | null>(null);
  const [ready, setReady] = useState(false);
  const [playing, setPlaying] = useState(false);
  const [time, setTime] = useState(0);
  const [duration, setDuration] = useState(props.durationMs / 1000);
  const [speed, setSpeed] = useState(1);
  const [error, setError] = useState<string | null>(null);
  const long = props.durationMs > WAVEFORM_MAX_MS;
  const onTime = useRef(props.onTime);
  onTime.current = props.onTime;
  const onSelection = useRef(props.onSelection);
  onSelection.current = props.onSelection;

  useEffect(() => {
    if (!container.current) return;
    const plugin = RegionsPlugin.create();
    const split = props.channels >= 2;
    const flat = long
      ? Array.from({ length: Math.max(1, props.channels) }, () => new Float32Array(2000))
      : undefined;
    const instance = WaveSurfer.create({
      container: container.current,
      url: props.src,
      height: split ? 56 : 80,
      waveColor: '#60a5fa',
      progressColor: '#1d4ed8',
      cursorColor: '#111827',
      cursorWidth: 2,
      normalize: true,
      dragToSeek: true,
      sampleRate: 8000,
      plugins: [plugin],
      ...(split
        ? {
            splitChannels: [
              { waveColor: '#60a5fa', progressColor: '#1d4ed8' },
              { waveColor: '#fbbf24', progressColor: '#b45309' },
            ],
          }
        : {}),
      ...(flat ? { peaks: flat, duration: props.durationMs / 1000 } : {}),
    });
    ws.current = instance;
    regions.current = plugin;
    let last = 0;
    instance.on('ready', (d) => {
      setReady(true);
      setDuration(d);
      if (props.startAt) instance.setTime(props.startAt);
    });
    instance.on('timeupdate', (sec) => {
      setTime(sec);
      const now = performance.now();
      if (now - last > 100 || !instance.isPlaying()) {
        last = now;
        onTime.current(sec);
      }
    });
    instance.on('seeking', (sec) => onTime.current(sec));
    instance.on('play', () => setPlaying(true));
    instance.on('pause', () => setPlaying(false));
    instance.on('finish', () => setPlaying(false));
    instance.on('error', (e) => setError(e instanceof Error ? e.message : String(e)));
    plugin.enableDragSelection({ color: 'rgba(37, 99, 235, 0.18)' });
    const selected = (region: Region) => {
      for (const r of plugin.getRegions()) if (r !== region) r.remove();
      onSelection.current?.({ start: region.start, end: region.end });
    };
    plugin.on('region-created', selected);
    plugin.on('region-updated', selected);

    props.handle.current = {
      seek: (s) => {
        instance.setTime(Math.max(0, s));
        onTime.current(Math.max(0, s));
      },
      play: () => void instance.play(),
      currentTime: () => instance.getCurrentTime(),
      select: (range) => {
        plugin.clearRegions();
        if (range && range.end > range.start) {
          plugin.addRegion({ start: range.start, end: range.end, color: 'rgba(37, 99, 235, 0.18)' });
        }
      },
    };
    return () => {
      props.handle.current = null;
      instance.destroy();
      ws.current = null;
    };
  }, [props.src]);

  const changeSpeed = (rate: number) => {
    setSpeed(rate);
    ws.current?.setPlaybackRate(rate, true);
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const w = ws.current;
      if (!w || e.altKey || e.ctrlKey || e.metaKey || typingTarget(e.target)) return;
      const tag = (e.target as HTMLElement | null)?.tagName;
      if (e.key === ' ' && tag !== 'BUTTON' && tag !== 'A' && tag !== 'SUMMARY') {
        e.preventDefault();
        void w.playPause();
      } else if (e.key === 'ArrowLeft') {
        e.preventDefault();
        w.skip(-5);
      } else if (e.key === 'ArrowRight') {
        e.preventDefault();
        w.skip(5);
      } else if (e.key === '[' || e.key === ']') {
        e.preventDefault();
        const i = SPEEDS.indexOf(w.getPlaybackRate());
        const next =
          SPEEDS[Math.min(SPEEDS.length - 1, Math.max(0, (i < 0 ? 2 : i) + (e.key === ']' ? 1 : -1)))]!;
        changeSpeed(next);
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div class="player">
      <div class="channel-labels" aria-hidden="true">
        {props.channels >= 2 ? (
          <>
            <span class="ch ch-agent">{t('channelAgent')}</span>
            <span class="ch ch-customer">{t('channelCustomer')}</span>
          </>
        ) : null}
      </div>
      <div
        ref={container}
        class="waveform"
        role="group"
        aria-label={`${t('player')}: ${props.channels >= 2 ? `${t('channelAgent')}, ${t('channelCustomer')}` : ''}`}
        data-ready={ready ? 'true' : 'false'}
      />
      {!ready && !error && <p class="muted">{t('audioLoading')}</p>}
      {long && <p class="muted">{t('longCall')}</p>}
      {error && (
        <p class="error" role="alert">
          {t('audioError', { msg: error })}
        </p>
      )}
      <div class="controls" role="toolbar" aria-label={t('player')}>
        <button type="button" onClick={() => ws.current?.skip(-5)} aria-label={t('back5')} title={t('back5')}>
          « 5 s
        </button>
        <button
          type="button"
          class="primary play"
          onClick={() => void ws.current?.playPause()}
          aria-label={playing ? t('pause') : t('play')}
          aria-pressed={playing}
          data-testid="play"
        >
          {playing ? '❚❚' : '▶'} {playing ? t('pause') : t('play')}
        </button>
        <button type="button" onClick={() => ws.current?.skip(5)} aria-label={t('fwd5')} title={t('fwd5')}>
          5 s »
        </button>
        <span class="clock" aria-live="off" data-testid="clock">
          {formatClock(time)} / {formatClock(duration)}
        </span>
        <label class="speed">
          {t('speed')}{' '}
          <select
            value={String(speed)}
            onChange={(e) => changeSpeed(Number((e.currentTarget as HTMLSelectElement).value))}
          >
            {SPEEDS.map((s) => (
              <option value={String(s)} key={s}>
                {s}×
              </option>
            ))}
          </select>
        </label>
        {props.downloadHref && (
          <a class="button" href={props.downloadHref} download>
            ↓ {t('downloadRecording')}
          </a>
        )}
      </div>
      <p class="muted small">{t('shortcuts')}</p>
    </div>
  );
}
