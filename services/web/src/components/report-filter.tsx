import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { useI18n, type MessageKey } from '../i18n.ts';
import { Field, valueOf } from './common.tsx';
import { DateField } from './date-field.tsx';

/**
 * The filter form of a report page (compliance dashboard, agents): what is typed stays in the form until Apply,
 * which trims it and makes it the `filter` the page queries with. `field` renders one labelled input whose id
 * starts with `prefix`.
 */
export function useReportFilter(prefix: string) {
  const { t } = useI18n();
  const [form, setForm] = useState<Record<string, string>>({});
  const [filter, setFilter] = useState<Record<string, string>>({});
  const apply = (e: Event) => {
    e.preventDefault();
    const clean: Record<string, string> = {};
    for (const [k, v] of Object.entries(form)) if (v.trim()) clean[k] = v.trim();
    setFilter(clean);
  };
  const field = (k: string, label: MessageKey, type: 'text' | 'date' = 'text') => {
    const id = `${prefix}-${k}`;
    const value = form[k] ?? '';
    const set = (v: string) => setForm((f) => ({ ...f, [k]: v }));
    if (type === 'date') return <DateField label={t(label)} id={id} value={value} onValue={set} />;
    return (
      <Field label={t(label)} id={id}>
        <input type="text" id={id} value={value} onInput={(e) => set(valueOf(e))} />
      </Field>
    );
  };
  return { filter, apply, field };
}

/** A report page's filter card: its fields in a grid, then Apply and any further `actions`, then `footer`. */
export function FilterForm(props: {
  onSubmit: (e: Event) => void;
  children: ComponentChildren;
  actions?: ComponentChildren;
  footer?: ComponentChildren;
}) {
  const { t } = useI18n();
  return (
    <form class="filters card" onSubmit={props.onSubmit} aria-label={t('filters')}>
      <div class="grid">{props.children}</div>
      <div class="actions">
        <button type="submit" class="primary">
          {t('apply')}
        </button>
        {props.actions}
      </div>
      {props.footer}
    </form>
  );
}
