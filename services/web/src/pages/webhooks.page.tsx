import { useState } from 'preact/hooks';
import {
  api,
  type Webhook,
  type WebhookDelivery as Delivery,
  type WebhookList,
  type WebhookWithSecret,
} from '../api.ts';
import {
  Field,
  InputField,
  ListTable,
  Notice,
  Outcome,
  Panel,
  useAction,
  useAsync,
} from '../components/common.tsx';
import { formatDateTime } from '../format.ts';
import { useI18n } from '../i18n.ts';
import { labelOf, type Translate } from '../labels.ts';

const LOG_SIZE = 50;

/** Webhook subscriptions, the dead letters with their redelivery, and the delivery log (admins). */
export function WebhooksPage() {
  const { t, lang } = useI18n();
  const hooks = useAsync(() => api<WebhookList>('/webhooks'), []);
  const dead = useAsync(
    () => api<{ items: Delivery[] }>('/webhooks/deliveries', { query: { status: 'dead' } }),
    [],
  );
  const log = useAsync(
    () => api<{ items: Delivery[] }>('/webhooks/deliveries', { query: { limit: String(LOG_SIZE) } }),
    [],
  );
  const empty = { name: '', url: '', secret: '', events: [] as string[] };
  const [form, setForm] = useState(empty);
  const [secret, setSecret] = useState<{ name: string; secret: string } | null>(null);
  const { run, message, error } = useAction(() => {
    hooks.reload();
    dead.reload();
    log.reload();
  });
  const event = (type: string) => labelOf(t, 'whEvent_', type);
  const showSecret = (r: WebhookWithSecret) => setSecret({ name: r.webhook.name, secret: r.secret });

  const remove = (h: Webhook) =>
    run(async () => {
      if (!window.confirm(t('whConfirmDelete', { name: h.name }))) return null;
      await api(`/webhooks/${h.id}`, { method: 'DELETE' });
      return null;
    });
  const newSecret = (h: Webhook) =>
    run(async () => {
      if (!window.confirm(t('whConfirmSecret', { name: h.name }))) return null;
      showSecret(await api<WebhookWithSecret>(`/webhooks/${h.id}/secret`, { method: 'POST', body: {} }));
      return null;
    });

  return (
    <div>
      <h1>{t('whTitle')}</h1>
      <p class="muted">{t('whHelp')}</p>
      <Outcome message={message} error={error} />
      {secret && (
        <Notice kind="warn">
          <p>{t('whSecretOnce', { name: secret.name })}</p>
          <code data-testid="webhook-secret">{secret.secret}</code>
        </Notice>
      )}
      <Panel title={t('whSubscriptions')} id="subscriptions">
        <ListTable
          of={hooks}
          empty={t('whNone')}
          class="webhooks"
          labels={[t('whName'), t('whUrl'), t('whEvents'), t('whEnabled')]}
          action={t('action')}
        >
          {(h: Webhook) => (
            <tr key={h.id}>
              <td>{h.name}</td>
              <td>
                <code>{h.url}</code>
              </td>
              <td>{h.events.map(event).join(', ')}</td>
              <td>
                <input
                  type="checkbox"
                  aria-label={`${t('whEnabled')}: ${h.name}`}
                  checked={h.enabled}
                  onChange={() =>
                    run(() => api(`/webhooks/${h.id}`, { method: 'PATCH', body: { enabled: !h.enabled } }))
                  }
                />
              </td>
              <td>
                <button type="button" class="link" onClick={() => newSecret(h)}>
                  {t('whNewSecret')}
                </button>{' '}
                <button type="button" class="link danger" onClick={() => remove(h)}>
                  {t('delete')}
                </button>
              </td>
            </tr>
          )}
        </ListTable>
        <form
          class="grid"
          onSubmit={(e) => {
            e.preventDefault();
            void run(async () => {
              if (form.events.length === 0) throw new Error(t('whChooseEvent'));
              const { secret: given, ...rest } = form;
              const body = given === '' ? rest : { ...rest, secret: given };
              showSecret(await api<WebhookWithSecret>('/webhooks', { method: 'POST', body }));
              setForm(empty);
              return t('whCreated');
            });
          }}
        >
          <InputField
            label={t('whName')}
            id="wh-name"
            required
            maxLength={200}
            value={form.name}
            onValue={(v) => setForm({ ...form, name: v })}
          />
          <Field label={t('whUrl')} id="wh-url" grow>
            <input
              id="wh-url"
              type="url"
              required
              placeholder="https://"
              value={form.url}
              onInput={(e) => setForm({ ...form, url: (e.currentTarget as HTMLInputElement).value })}
            />
          </Field>
          <Field label={t('whSecret')} id="wh-secret" help={t('whSecretHelp')}>
            <input
              id="wh-secret"
              type="password"
              autoComplete="new-password"
              minLength={16}
              maxLength={200}
              aria-describedby="wh-secret-help"
              value={form.secret}
              onInput={(e) => setForm({ ...form, secret: (e.currentTarget as HTMLInputElement).value })}
            />
          </Field>
          <fieldset>
            <legend>{t('whEvents')}</legend>
            <ul class="plain">
              {(hooks.data?.eventTypes ?? []).map((type) => (
                <li key={type}>
                  <label>
                    <input
                      type="checkbox"
                      value={type}
                      checked={form.events.includes(type)}
                      onChange={(e) => {
                        const on = (e.currentTarget as HTMLInputElement).checked;
                        setForm({
                          ...form,
                          events: on ? [...form.events, type] : form.events.filter((x) => x !== type),
                        });
                      }}
                    />{' '}
                    {event(type)}
                  </label>
                </li>
              ))}
            </ul>
          </fieldset>
          <div class="actions">
            <button type="submit">{t('whAdd')}</button>
          </div>
        </form>
        <p class="muted">{t('whVerify')}</p>
      </Panel>

      <Panel title={t('whDeadLetters')} id="dead-letters">
        <ListTable
          of={dead}
          empty={t('whNoDead')}
          class="dead-letters"
          labels={[t('whEvent'), t('whSubscription'), t('whAttempts'), t('whLastError'), t('whWhen')]}
          action={t('action')}
        >
          {(d: Delivery) => (
            <tr key={d.id}>
              <td>{event(d.eventType)}</td>
              <td>{d.subscriptionName}</td>
              <td class="num">{d.attempts}</td>
              <td>{failure(d.lastStatusCode, d.lastError, t)}</td>
              <td>{formatDateTime(d.deadAt, lang)}</td>
              <td>
                <button
                  type="button"
                  onClick={() =>
                    run(async () => {
                      await api(`/webhooks/deliveries/${d.id}/redeliver`, { method: 'POST' });
                      return t('whRedelivered');
                    })
                  }
                >
                  {t('whRedeliver')}
                </button>
              </td>
            </tr>
          )}
        </ListTable>
      </Panel>

      <Panel title={t('whLog')} id="delivery-log">
        <ListTable
          of={log}
          empty={t('whNoDeliveries')}
          class="delivery-log"
          labels={[t('whWhen'), t('whEvent'), t('whSubscription'), t('whStatus'), t('whAttempts')]}
        >
          {(d: Delivery) => (
            <tr key={d.id}>
              <td>{formatDateTime(d.createdAt, lang)}</td>
              <td>{event(d.eventType)}</td>
              <td>{d.subscriptionName}</td>
              <td>{labelOf(t, 'whStatus_', d.status)}</td>
              <td>
                <details>
                  <summary>
                    {t('whAttemptsOf', { n: d.attempts, limit: d.attemptLimit })}
                    <span class="sr-only">
                      {' '}
                      {t('whShowLog', { event: event(d.eventType), name: d.subscriptionName })}
                    </span>
                  </summary>
                  <AttemptLog delivery={d} t={t} lang={lang} />
                </details>
              </td>
            </tr>
          )}
        </ListTable>
      </Panel>
    </div>
  );
}

/** One delivery's attempts: when, the status code (or none), how long, and the error. */
function AttemptLog({ delivery, t, lang }: { delivery: Delivery; t: Translate; lang: string }) {
  if (delivery.log.length === 0) return <p class="muted">{t('none')}</p>;
  return (
    <ul class="plain">
      {delivery.log.map((a) => (
        <li key={a.attempt}>
          {t('whAttempt')} {a.attempt} · {formatDateTime(a.startedAt, lang)} · {t('whStatusCode')}{' '}
          {a.statusCode ?? t('whNoAnswer')} · {t('whDuration')} {a.durationMs} ms
          {a.error && a.statusCode === null && (
            <>
              {' '}
              · {t('whError')}: {failure(null, a.error, t)}
            </>
          )}
        </li>
      ))}
    </ul>
  );
}

/**
 * Why an attempt failed, in the UI's language: the receiver's status code, or what the server names by id (a timeout,
 * a disabled subscription); a network error (refused, unknown host) is shown as the system wrote it.
 */
function failure(statusCode: number | null, error: string | null, t: Translate): string {
  if (statusCode !== null && (statusCode < 200 || statusCode >= 300))
    return t('whAnswered', { status: statusCode });
  if (error === null) return t('none');
  return /^[a-z_]+$/.test(error) ? labelOf(t, 'whError_', error) : t('whNetwork', { error });
}
