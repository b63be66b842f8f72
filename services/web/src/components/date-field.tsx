import { useEffect, useRef, useState } from 'preact/hooks';
import { addDays, datePattern, formatDateInput, parseDateInput, type DateKind } from '../date-input.ts';
import { useI18n, type MessageKey } from '../i18n.ts';

/**
 * A date (or date and time) typed in the UI's language, dd/mm/aaaa in Spanish and mm/dd/yyyy in English, whatever
 * the browser's own language (a native date input follows the browser's). `value` and `onValue` use the native
 * inputs' values (`YYYY-MM-DD`, `YYYY-MM-DDTHH:MM`), '' when empty. A text that is not a date keeps the form from
 * being sent and says why, in words, once the field is left or the form is sent; ↑ and ↓ move the date by a day.
 */
export function DateField(props: {
  label: string;
  id: string;
  value: string;
  onValue: (value: string) => void;
  kind?: DateKind;
  /** The time a date typed without one stands for: its first minute, or its last (an "until" field). */
  at?: 'start' | 'end';
  grow?: boolean;
  required?: boolean;
}) {
  const { t, lang } = useI18n();
  const kind = props.kind ?? 'date';
  const input = useRef<HTMLInputElement>(null);
  const [text, setText] = useState(() => formatDateInput(props.value, lang, kind));
  const [shown, setShown] = useState(false);
  const parsed = parseDateInput(text, lang, kind, props.at);
  const pattern = datePattern(lang, kind);
  const problem = parsed.ok
    ? null
    : t(`dateProblem_${parsed.problem}` as MessageKey, {
        pattern,
        example: formatDateInput('2026-11-23T15:30', lang, kind),
      });

  // A value set from outside (a reset, a link, the other language) is written anew; what is being typed is kept.
  useEffect(() => {
    const now = parseDateInput(text, lang, kind, props.at);
    if (!now.ok || now.value !== props.value) setText(formatDateInput(props.value, lang, kind));
  }, [props.value]);
  // The language changed: the same date, written its way.
  const lastLang = useRef(lang);
  useEffect(() => {
    if (lastLang.current === lang) return;
    const before = parseDateInput(text, lastLang.current, kind, props.at);
    lastLang.current = lang;
    if (before.ok) setText(formatDateInput(before.value, lang, kind));
  }, [lang]);
  useEffect(() => {
    input.current?.setCustomValidity(problem ?? '');
  }, [problem]);

  const type = (next: string) => {
    setText(next);
    const p = parseDateInput(next, lang, kind, props.at);
    if (p.ok) {
      setShown(false);
      if (p.value !== props.value) props.onValue(p.value);
    }
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if ((e.key !== 'ArrowUp' && e.key !== 'ArrowDown') || e.altKey || e.ctrlKey || e.metaKey) return;
    if (!parsed.ok || parsed.value === '') return;
    e.preventDefault();
    const next = addDays(parsed.value, e.key === 'ArrowUp' ? 1 : -1);
    setText(formatDateInput(next, lang, kind));
    props.onValue(next);
  };

  const helpId = `${props.id}-format`;
  const errorId = `${props.id}-error`;
  const invalid = shown && problem !== null;
  return (
    <div class={props.grow ? 'field date-field grow' : 'field date-field'}>
      <label for={props.id}>{props.label}</label>
      <input
        ref={input}
        id={props.id}
        type="text"
        autoComplete="off"
        spellcheck={false}
        placeholder={pattern}
        required={props.required}
        value={text}
        aria-invalid={invalid}
        aria-describedby={invalid ? `${helpId} ${errorId}` : helpId}
        onInput={(e) => type((e.currentTarget as HTMLInputElement).value)}
        onBlur={() => setShown(true)}
        onInvalid={() => setShown(true)}
        onKeyDown={onKeyDown}
      />
      <span id={helpId} class="sr-only">
        {t('dateFormatHelp', { pattern })}
      </span>
      {invalid && (
        <small id={errorId} class="field-error" role="alert">
          {problem}
        </small>
      )}
    </div>
  );
}
