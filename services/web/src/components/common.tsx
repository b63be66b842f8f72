import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { ApiError } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { errorText } from '../labels.ts';

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
      <strong>{t('error')}:</strong> {errorText(error, t)}
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

export function Field(props: {
  label: string;
  id: string;
  children: ComponentChildren;
  help?: string;
  grow?: boolean;
}) {
  return (
    <div class={props.grow ? 'field grow' : 'field'}>
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

/** A labelled input (inside `Field`); `onValue` gets what is typed. */
export function InputField(props: {
  label: string;
  id: string;
  value: string | number;
  onValue: (value: string) => void;
  grow?: boolean;
  type?: 'text' | 'number' | 'email' | 'password' | 'date' | 'datetime-local';
  name?: string;
  autoComplete?: string;
  placeholder?: string;
  required?: boolean;
  min?: string;
  max?: number;
  step?: string;
  minLength?: number;
  maxLength?: number;
}) {
  const { label, id, grow, onValue, ...input } = props;
  // The attributes above are a subset of an input's; preact types `type` as a union its checker cannot match here.
  const attributes = input as Record<string, unknown>;
  return (
    <Field label={label} id={id} grow={grow}>
      <input id={id} {...attributes} onInput={(e) => onValue(valueOf(e))} />
    </Field>
  );
}

/** The value of the input, select or text area an event came from. */
export const valueOf = (e: Event) => (e.currentTarget as HTMLInputElement).value;

/** Runs a page's actions one at a time: clears the last outcome, keeps the action's message or error, reloads. */
export function useAction(reload: () => void) {
  const { t } = useI18n();
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async (action: () => Promise<string | null | void>) => {
    setError(null);
    setMessage(null);
    try {
      const m = await action();
      if (m) setMessage(m);
      reload();
    } catch (err) {
      setError(errorText(err, t));
    }
  };
  return { run, message, error };
}

/** The outcome of a page's last action: its confirmation and its error. */
export function Outcome({ message, error }: { message?: string | null; error: string | null }) {
  return (
    <>
      {message && <Notice kind="ok">{message}</Notice>}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}

/** A loader's error (with a retry) and, before its first data, the loading line. */
export function LoadState({ of }: { of: Async<unknown> }) {
  return (
    <>
      {of.error && <ErrorBox error={of.error} onRetry={of.reload} />}
      {of.loading && !of.data && <Loading />}
    </>
  );
}

/** A list loader's state: its error and loading line, and `empty` when it loaded no items. */
export function ListState({ of, empty }: { of: Async<{ items: readonly unknown[] }>; empty: string }) {
  return (
    <>
      <LoadState of={of} />
      {of.data && of.data.items.length === 0 && <p class="muted">{empty}</p>}
    </>
  );
}

/** A list loader shown as a table: its load state and empty note, then a row per item under the column heads. */
export function ListTable<T>(props: {
  of: Async<{ items: readonly T[] }>;
  empty: string;
  class: string;
  labels: string[];
  action?: string;
  busy?: boolean;
  children: (item: T) => ComponentChildren;
}) {
  const items = props.of.data?.items ?? [];
  return (
    <>
      <ListState of={props.of} empty={props.empty} />
      {items.length > 0 && (
        <div class="table-wrap">
          <table class={props.class} aria-busy={props.busy}>
            <ColumnHeads labels={props.labels} action={props.action} />
            <tbody>{items.map(props.children)}</tbody>
          </table>
        </div>
      )}
    </>
  );
}

/** A table's header row; `action` adds the column of per-row buttons, its label read only by screen readers. */
export function ColumnHeads({ labels, action }: { labels: string[]; action?: string }) {
  return (
    <thead>
      <tr>
        {labels.map((label, i) => (
          <th scope="col" key={i}>
            {label}
          </th>
        ))}
        {action && (
          <th scope="col">
            <span class="sr-only">{action}</span>
          </th>
        )}
      </tr>
    </thead>
  );
}

/** The link that downloads a report as CSV. */
export function ExportCsv({ href, testId }: { href: string; testId: string }) {
  const { t } = useI18n();
  return (
    <a class="button" data-testid={testId} href={href} download>
      {t('exportCsv')}
    </a>
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

/** A value of a free-form field (custom metadata) as text: lists joined, objects as `name: value` pairs. */
function readable(v: unknown): string {
  if (Array.isArray(v)) return v.map(readable).join(', ');
  if (typeof v === 'object' && v !== null)
    return Object.entries(v)
      .map(([k, x]) => `${k}: ${readable(x)}`)
      .join('; ');
  return String(v);
}

/** Key/value list for metadata and free-form fields. */
export function KeyValues({ data }: { data: Record<string, unknown> }) {
  const entries = Object.entries(data).filter(([, v]) => v !== null && v !== undefined && v !== '');
  if (entries.length === 0) return <p class="muted">—</p>;
  return (
    <dl class="kv">
      {entries.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{readable(v)}</dd>
        </div>
      ))}
    </dl>
  );
}
