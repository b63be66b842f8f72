import { useState } from 'preact/hooks';
import { API, api, type Clip, type Collection, type CollectionItem as Item } from '../api.ts';
import {
  ColumnHeads,
  ErrorBox,
  Field,
  InputField,
  Loading,
  Outcome,
  Panel,
  useAsync,
  valueOf,
} from '../components/common.tsx';
import { formatClock, formatDateTime } from '../format.ts';
import { useI18n } from '../i18n.ts';
import { decimal, errorText } from '../labels.ts';
import { navigate, useLocation } from '../router.ts';

function ClipLinks({ clip }: { clip: Pick<Clip, 'id' | 'callId' | 'startMs'> }) {
  const { t } = useI18n();
  return (
    <>
      <a href={`/calls/${clip.callId}?t=${(clip.startMs / 1000).toFixed(1)}`}>{t('openInPlayer')}</a>
      {' · '}
      <a href={`${API}/clips/${clip.id}/audio?format=wav`} download data-testid={`download-${clip.id}`}>
        ↓ {t('downloadClip')} (WAV)
      </a>
      {' · '}
      <a href={`${API}/clips/${clip.id}/audio?format=ogg`} download>
        OGG
      </a>
    </>
  );
}

/** The training library. What each user may change (edit controls shown) is the server's `mayChange`. */
export function LibraryPage() {
  const { t, lang } = useI18n();
  const loc = useLocation();
  const selected = loc.query.get('collection');
  const collections = useAsync(() => api<{ items: Collection[] }>('/collections'), []);
  const clips = useAsync(() => api<{ items: Clip[] }>('/clips'), []);
  const detail = useAsync(
    () =>
      selected ? api<Collection & { items: Item[] }>(`/collections/${selected}`) : Promise.resolve(undefined),
    [selected],
  );
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [error, setError] = useState<string | null>(null);

  const create = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const c = await api<Collection>('/collections', {
        method: 'POST',
        body: { name, ...(description.trim() ? { description } : {}) },
      });
      setName('');
      setDescription('');
      collections.reload();
      navigate(`/library?collection=${c.id}`);
    } catch (err) {
      setError(errorText(err, t));
    }
  };

  const remove = async (path: string, after: () => void) => {
    if (!window.confirm(t('confirmDelete'))) return;
    setError(null);
    try {
      await api(path, { method: 'DELETE' });
      after();
    } catch (err) {
      setError(errorText(err, t));
    }
  };

  return (
    <div>
      <h1>{t('libraryTitle')}</h1>
      <Outcome error={error} />
      <div class="layout-library">
        <Panel title={t('collections')} id="collections">
          {collections.error && <ErrorBox error={collections.error} />}
          {collections.data && collections.data.items.length === 0 && (
            <p class="muted">{t('noCollections')}</p>
          )}
          <ul class="plain">
            {collections.data?.items.map((c) => (
              <li key={c.id}>
                <a href={`/library?collection=${c.id}`} aria-current={c.id === selected ? 'true' : undefined}>
                  {c.name}
                </a>{' '}
                <span class="muted">({c.items ?? 0})</span>
              </li>
            ))}
          </ul>
          <form onSubmit={create}>
            <InputField label={t('collectionName')} id="col-name" required value={name} onValue={setName} />
            <Field label={t('description')} id="col-desc">
              <textarea
                id="col-desc"
                rows={2}
                value={description}
                onInput={(e) => setDescription(valueOf(e))}
              />
            </Field>
            <button type="submit">{t('newCollection')}</button>
          </form>
        </Panel>
        <div>
          {selected && (
            <Panel title={detail.data?.name ?? t('collections')} id="collection-detail">
              {detail.loading && !detail.data && <Loading />}
              {detail.error && <ErrorBox error={detail.error} />}
              {detail.data?.description && <p>{detail.data.description}</p>}
              {detail.data?.mayChange && (
                <p>
                  <button
                    type="button"
                    class="link danger"
                    data-testid="delete-collection"
                    onClick={() =>
                      remove(`/collections/${detail.data!.id}`, () => {
                        collections.reload();
                        navigate('/library');
                      })
                    }
                  >
                    {t('deleteCollection')}
                  </button>
                </p>
              )}
              {detail.data && detail.data.items.length === 0 && <p class="muted">{t('emptyCollection')}</p>}
              <ul class="items">
                {detail.data?.items.map((i) => (
                  <li key={i.id}>
                    <strong>{i.clip ? i.clip.title : t('wholeCall')}</strong>{' '}
                    <span class="muted">
                      {formatDateTime(i.call.startedAt, lang)} · {i.call.agentName ?? i.call.agentId ?? '—'} ·{' '}
                      {i.call.campaign ?? '—'}
                      {i.clip
                        ? ` · ${formatClock(i.clip.startMs / 1000)}–${formatClock(i.clip.endMs / 1000)}`
                        : ''}
                    </span>
                    <div>
                      {i.clip ? (
                        <ClipLinks clip={i.clip} />
                      ) : (
                        <a href={`/calls/${i.callId}`}>{t('openInPlayer')}</a>
                      )}
                    </div>
                    {i.note && <p class="small">{i.note}</p>}
                    {detail.data?.mayChange && (
                      <button
                        type="button"
                        class="link danger"
                        onClick={() =>
                          remove(`/collections/${detail.data!.id}/items/${i.id}`, () => {
                            detail.reload();
                            collections.reload();
                          })
                        }
                      >
                        {t('removeFromCollection')}
                      </button>
                    )}
                  </li>
                ))}
              </ul>
            </Panel>
          )}
          <Panel title={t('clips')} id="clips">
            {clips.error && <ErrorBox error={clips.error} />}
            {clips.data && clips.data.items.length === 0 && <p class="muted">{t('noClips')}</p>}
            {clips.data && clips.data.items.length > 0 && (
              <table class="compact">
                <ColumnHeads labels={[t('clipTitle'), t('clipMoment'), t('duration')]} action={t('action')} />
                <tbody>
                  {clips.data.items.map((c) => (
                    <tr key={c.id}>
                      <td>
                        {c.title}
                        {c.note ? <div class="small muted">{c.note}</div> : null}
                      </td>
                      <td class="nowrap">
                        {formatClock(c.startMs / 1000)}–{formatClock(c.endMs / 1000)}
                      </td>
                      <td class="num">{decimal((c.endMs - c.startMs) / 1000, lang)} s</td>
                      <td>
                        <ClipLinks clip={c} />
                        {c.mayChange && (
                          <>
                            {' · '}
                            <button
                              type="button"
                              class="link danger"
                              data-testid={`delete-clip-${c.id}`}
                              onClick={() =>
                                remove(`/clips/${c.id}`, () => {
                                  clips.reload();
                                  detail.reload();
                                })
                              }
                            >
                              {t('delete')}
                            </button>
                          </>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Panel>
        </div>
      </div>
    </div>
  );
}
