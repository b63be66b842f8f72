import { useState } from 'preact/hooks';
import { useI18n, type MessageKey } from '../i18n.ts';

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
    const props = {
      id: `${prefix}-${k}`,
      value: form[k] ?? '',
      onInput: (e: Event) => setForm((f) => ({ ...f, [k]: (e.currentTarget as HTMLInputElement).value })),
    };
    return (
      <div class="field">
        <label for={`${prefix}-${k}`}>{t(label)}</label>
        {type === 'date' ? <input type="date" {...props} /> : <input type="text" {...props} />}
      </div>
    );
  };
  return { filter, apply, field };
}
