import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Segment } from '../api.ts';
import { formatClock } from '../format.ts';
import { useI18n } from '../i18n.ts';
import { plural } from '../labels.ts';
import { activeSegment, fold } from '../transcript-sync.ts';

function highlight(raw: string, query: string) {
  const text = raw.normalize('NFC');
  if (!query) return text;
  const f = fold(text);
  const q = fold(query);
  const parts = [];
  let from = 0;
  for (let at = f.indexOf(q); at >= 0; at = f.indexOf(q, at + q.length)) {
    parts.push(text.slice(from, at), <mark key={at}>{text.slice(at, at + q.length)}</mark>);
    from = at + q.length;
  }
  parts.push(text.slice(from));
  return parts;
}

/** The transcript, following playback: the current line is highlighted and kept in view; a click seeks. */
export function TranscriptView(props: {
  segments: Segment[];
  timeMs: number;
  onSeek(seconds: number): void;
}) {
  const { t } = useI18n();
  const segments = useMemo(() => [...props.segments].sort((a, b) => a.startMs - b.startMs), [props.segments]);
  const active = activeSegment(segments, props.timeMs);
  const list = useRef<HTMLOListElement>(null);
  const [query, setQuery] = useState('');
  const [matchAt, setMatchAt] = useState(0);
  const matches = useMemo(() => {
    const q = fold(query.trim());
    return q ? segments.flatMap((s, i) => (fold(s.text).includes(q) ? [i] : [])) : [];
  }, [segments, query]);

  useEffect(() => {
    if (active < 0 || !list.current) return;
    const el = list.current.querySelector<HTMLElement>(`[data-index="${active}"]`);
    const box = list.current;
    if (
      el &&
      (el.offsetTop < box.scrollTop || el.offsetTop + el.offsetHeight > box.scrollTop + box.clientHeight)
    ) {
      box.scrollTop = el.offsetTop - box.clientHeight / 3;
    }
  }, [active]);

  const goMatch = (delta: number) => {
    if (matches.length === 0) return;
    const next = (matchAt + delta + matches.length) % matches.length;
    setMatchAt(next);
    const seg = segments[matches[next]!]!;
    props.onSeek(seg.startMs / 1000);
    list.current?.querySelector<HTMLElement>(`[data-index="${matches[next]}"] button`)?.focus();
  };

  return (
    <div class="transcript">
      <div class="find" role="search">
        <label for="find-in-call">{t('findInCall')}</label>
        <input
          id="find-in-call"
          type="search"
          value={query}
          onInput={(e) => {
            setQuery((e.currentTarget as HTMLInputElement).value);
            setMatchAt(0);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              goMatch(e.shiftKey ? -1 : 1);
            }
          }}
        />
        <span class="muted" aria-live="polite">
          {query.trim() ? plural(t, 'matches', matches.length) : ''}
        </span>
        <button
          type="button"
          onClick={() => goMatch(-1)}
          disabled={!matches.length}
          aria-label={t('prevMatch')}
        >
          ↑
        </button>
        <button
          type="button"
          onClick={() => goMatch(1)}
          disabled={!matches.length}
          aria-label={t('nextMatch')}
        >
          ↓
        </button>
      </div>
      <ol class="segments" ref={list} aria-label={t('transcript')}>
        {segments.map((s, i) => (
          <li
            key={s.id ?? i}
            data-index={i}
            class={`seg seg-${s.party}${i === active ? ' active' : ''}${matches.includes(i) ? ' match' : ''}`}
            aria-current={i === active ? 'true' : undefined}
          >
            <button type="button" class="seg-line" onClick={() => props.onSeek(s.startMs / 1000)}>
              <span class="seg-time">{formatClock(s.startMs / 1000)}</span>
              <span class="seg-party">
                {s.party === 'agent' ? t('agent') : s.party === 'customer' ? t('customer') : '?'}
              </span>
              <span class="seg-text">{highlight(s.text, query.trim())}</span>
            </button>
          </li>
        ))}
      </ol>
    </div>
  );
}
