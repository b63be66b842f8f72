import { useState } from 'preact/hooks';
import { api, type PaymentPromiseView } from '../api.ts';
import { InputField, Outcome, useAction } from './common.tsx';
import { DateField } from './date-field.tsx';
import { useI18n } from '../i18n.ts';

/** The button that opens (or closes) the correction form of one promise, wherever promises are listed. */
export function CorrectionToggle(props: {
  id: string;
  editing: string | null;
  onEditing: (id: string | null) => void;
}) {
  const { t } = useI18n();
  return (
    <button
      type="button"
      class="link"
      aria-expanded={props.editing === props.id}
      aria-controls="promise-correction"
      onClick={() => props.onEditing(props.editing === props.id ? null : props.id)}
    >
      {t('promiseCorrect')}
    </button>
  );
}

/** A supervisor's correction of one promise: amount, currency, due date, or that it was none (audited). */
export function PromiseCorrection({ promise, onDone }: { promise: PaymentPromiseView; onDone: () => void }) {
  const { t } = useI18n();
  const [amount, setAmount] = useState(promise.amount === null ? '' : String(promise.amount));
  const [currency, setCurrency] = useState(promise.currency ?? '');
  const [dueDate, setDueDate] = useState(promise.dueDate);
  const [voided, setVoided] = useState(promise.status === 'void');
  const [note, setNote] = useState('');
  const { run, error } = useAction(() => undefined);
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      await api(`/promises/${promise.id}`, {
        method: 'PATCH',
        body: {
          amount: amount.trim() === '' ? null : Number(amount),
          currency: currency.trim() === '' ? null : currency.trim(),
          dueDate,
          voided,
          ...(note.trim() ? { note: note.trim() } : {}),
        },
      });
      onDone();
    });
  };
  return (
    <form id="promise-correction" class="row" onSubmit={submit} aria-label={t('promiseCorrectTitle')}>
      <strong>{t('promiseCorrectTitle')}</strong> <span>{promise.account ?? '—'}</span>
      <InputField
        label={t('amountPromised')}
        id="pc-amount"
        type="number"
        min="0"
        step="0.01"
        value={amount}
        onValue={setAmount}
      />
      <InputField
        label={t('currency')}
        id="pc-currency"
        value={currency}
        onValue={setCurrency}
        maxLength={3}
      />
      <DateField label={t('dueDate')} id="pc-due" value={dueDate} onValue={setDueDate} required />
      <div class="field">
        <label>
          <input
            type="checkbox"
            checked={voided}
            onChange={(e) => setVoided((e.currentTarget as HTMLInputElement).checked)}
          />{' '}
          {t('promise_void')}
        </label>
      </div>
      <InputField label={t('promiseCorrectNote')} id="pc-note" value={note} onValue={setNote} grow />
      <button type="submit">{t('save')}</button>
      <button type="button" class="link" onClick={onDone}>
        {t('cancel')}
      </button>
      <Outcome error={error} />
    </form>
  );
}
