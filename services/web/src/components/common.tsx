import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api.ts';
import { useI18n } from '../i18n.ts';

export interface Async<T> {
  data: T | undefined;
  error: ApiError | Error | undefined;
  loading: boolean;
  reload(): void;
}

/** Runs a loader when its dependencies change; keeps the last data while reloading. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): Async<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let alive = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => alive && setState({ data, loading: false }),
      (error: Error) => alive && setState({ error, loading: false }),
    );
    return () => {
      alive = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

export function Loading() {
  const { t } = useI18n();
  return (
    <p class="muted" role="status" aria-live="polite">
      {t('loading')}
    </p>
  );
}

export function ErrorBox({ error, onRetry }: { error: Error; onRetry?: () => void }) {
  const { t } = useI18n();
  return (
    <div class="error" role="alert">
      <strong>{t('error')}:</strong> {error.message}
      {onRetry && (
        <button type="button" class="link" onClick={onRetry}>
          {t('retry')}
        </button>
      )}
    </div>
  );
}

export function Notice({
  children,
  kind = 'info',
}: {
  children: ComponentChildren;
  kind?: 'info' | 'ok' | 'warn';
}) {
  return (
    <div class={`notice notice-${kind}`} role="status">
      {children}
    </div>
  );
}

export function Field(props: { label: string; id: string; children: ComponentChildren; help?: string }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.help && (
        <small id={`${props.id}-help`} class="muted">
          {props.help}
        </small>
      )}
    </div>
  );
}

export function Panel(props: {
  title: string;
  children: ComponentChildren;
  id?: string;
  actions?: ComponentChildren;
}) {
  const headingId = `${props.id ?? props.title.replace(/\W+/g, '-').toLowerCase()}-h`;
  return (
    <section class="panel" aria-labelledby={headingId} id={props.id}>
      <header class="panel-head">
        <h2 id={headingId}>{props.title}</h2>
        {props.actions}
      </header>
      {props.children}
    </section>
  );
}

/** Key/value list for metadata and results of unknown shape. */
export function KeyValues({ data }: { data: Record<string, unknown> }) {
  const entries = Object.entries(data).filter(([, v]) => v !== null && v !== undefined && v !== '');
  if (entries.length === 0) return <p class="muted">—</p>;
  return (
    <dl class="kv">
      {entries.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{typeof v === 'object' ? <code>{JSON.stringify(v)}</code> : String(v)}</dd>
        </div>
      ))}
    </dl>
  );
}
