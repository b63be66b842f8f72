import { api, hasRoute, type Me } from '../api.ts';
import { ErrorBox, KeyValues, Loading, Panel, useAsync } from '../components/common.tsx';
import { useI18n } from '../i18n.ts';

/**
 * Review queues and the compliance dashboard belong to the analytics service. When this server offers
 * `GET /review/queues` its answer is listed here; until then the page says where they will come from.
 */
export function ReviewPage({ me, available }: { me: Me; available: boolean }) {
  const { t } = useI18n();
  const queuesRoute = hasRoute(me, 'GET /review/queues');
  const queues = useAsync(
    () =>
      queuesRoute ? api<{ items?: Record<string, unknown>[] }>('/review/queues') : Promise.resolve(undefined),
    [queuesRoute],
  );
  return (
    <div>
      <h1>{t('reviewTitle')}</h1>
      {!available || !queuesRoute ? (
        <Panel title={t('dashboardTitle')} id="review-coming">
          <p class="muted not-analysed" data-testid="review-coming">
            {t('reviewComing')}
          </p>
        </Panel>
      ) : (
        <Panel title={t('reviewTitle')} id="queues">
          {queues.loading && <Loading />}
          {queues.error && <ErrorBox error={queues.error} onRetry={queues.reload} />}
          {queues.data?.items?.map((q, i) => (
            <KeyValues key={i} data={q} />
          ))}
        </Panel>
      )}
    </div>
  );
}
