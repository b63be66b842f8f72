import { useState } from 'preact/hooks';
import { api, principalRef, type Me, type ReviewItem, type ReviewQueue } from '../api.ts';
import { ErrorBox, ListState, ListTable, Panel, useAsync, valueOf } from '../components/common.tsx';
import { formatDateTime, formatDuration, reviewReason } from '../format.ts';
import { plural, queueName } from '../labels.ts';
import { useI18n, type MessageKey } from '../i18n.ts';
import { navigate, useLocation } from '../router.ts';

const STATUS_FILTERS = ['open,claimed', 'open', 'claimed', 'completed'] as const;

/**
 * The reviewer's queues (only those of her languages, counting only calls in her scope), a queue's items, most
 * urgent first; claiming an item opens it with its evaluation form (review-item.page.tsx).
 */
export function ReviewPage({ me }: { me: Me }) {
  const { t, lang } = useI18n();
  const loc = useLocation();
  const queues = useAsync(() => api<{ items: ReviewQueue[] }>('/review-queues'), []);
  const selected = loc.query.get('queue') ?? queues.data?.items[0]?.id;
  const [status, setStatus] = useState<string>('open,claimed');
  const items = useAsync(
    () =>
      selected
        ? api<{ items: ReviewItem[] }>(`/review-queues/${encodeURIComponent(selected)}/items`, {
            query: { status, limit: '100' },
          })
        : Promise.resolve({ items: [] }),
    [selected, status],
  );
  const [error, setError] = useState<Error | null>(null);
  const mine = principalRef(me);

  const claim = async (id: string) => {
    setError(null);
    try {
      await api(`/review-items/${id}/claim`, { method: 'POST', body: {} });
      navigate(`/review/items/${id}`);
    } catch (e) {
      setError(e as Error);
      items.reload();
    }
  };

  return (
    <div>
      <h1>{t('reviewTitle')}</h1>
      <ListState of={queues} empty={t('reviewNoQueues')} />
      {queues.data && queues.data.items.length > 0 && (
        <nav aria-label={t('reviewMyQueues')} class="queues">
          <ul class="plain row">
            {queues.data.items.map((q) => (
              <li key={q.id}>
                <a
                  class="button"
                  href={`/review?queue=${encodeURIComponent(q.id)}`}
                  aria-current={q.id === selected ? 'page' : undefined}
                  data-queue={q.id}
                >
                  <strong>{queueName(q, t, lang)}</strong>{' '}
                  <span class="muted">
                    {[
                      plural(t, 'queueOpen', q.open),
                      plural(t, 'queueClaimed', q.claimed),
                      plural(t, 'queueDone', q.completed),
                    ].join(' · ')}
                  </span>
                </a>
              </li>
            ))}
          </ul>
        </nav>
      )}
      {selected && (
        <Panel
          title={t('reviewItemsOf', {
            queue: queueName(queues.data?.items.find((q) => q.id === selected) ?? { id: selected }, t, lang),
          })}
          id="review-items"
          actions={
            <label>
              {t('status')}{' '}
              <select id="r-status" value={status} onChange={(e) => setStatus(valueOf(e))}>
                {STATUS_FILTERS.map((s) => (
                  <option key={s} value={s}>
                    {t(`reviewStatus_${s.replace(',', '_')}` as MessageKey)}
                  </option>
                ))}
              </select>
            </label>
          }
        >
          {error && <ErrorBox error={error} />}
          <ListTable
            of={items}
            empty={t('reviewNoItems')}
            class="review-items compact"
            labels={[
              t('priority'),
              t('reason'),
              t('startedAt'),
              t('agent'),
              t('campaign'),
              t('duration'),
              t('status'),
              t('score'),
            ]}
            action={t('actions')}
          >
            {(i) => (
              <tr key={i.id} data-item={i.id}>
                <td class="num">{i.priority}</td>
                <td title={i.reason}>{reviewReason(i.reason, t)}</td>
                <td class="nowrap">{formatDateTime(i.call.startedAt, lang)}</td>
                <td>{i.call.agentName ?? i.call.agentId ?? '—'}</td>
                <td>{i.call.campaign ?? '—'}</td>
                <td class="num">{formatDuration(i.call.durationMs)}</td>
                <td>
                  <span class="badge">{t(`reviewStatus_${i.status}` as MessageKey)}</span>
                </td>
                <td class="num">{i.evaluation ? i.evaluation.score : '—'}</td>
                <td class="actions-cell">
                  {i.status === 'open' && (
                    <button type="button" class="primary" onClick={() => claim(i.id)}>
                      {t('reviewClaim')}
                    </button>
                  )}
                  {(i.status === 'completed' || (i.status === 'claimed' && i.claimedBy === mine)) && (
                    <a class="button" href={`/review/items/${i.id}`}>
                      {i.status === 'completed' ? t('reviewView') : t('reviewContinue')}
                    </a>
                  )}
                  {i.status === 'claimed' && i.claimedBy !== mine && (
                    <span class="muted small">{t('reviewClaimedByOther')}</span>
                  )}
                </td>
              </tr>
            )}
          </ListTable>
        </Panel>
      )}
    </div>
  );
}
