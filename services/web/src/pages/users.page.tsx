import { useState } from 'preact/hooks';
import { api, type User } from '../api.ts';
import {
  ColumnHeads,
  Field,
  InputField,
  LoadState,
  Outcome,
  Panel,
  useAction,
  useAsync,
  valueOf,
} from '../components/common.tsx';
import { formatDateTime } from '../format.ts';
import { useI18n, type MessageKey } from '../i18n.ts';
import { languageName, plural } from '../labels.ts';

const ROLES = ['admin', 'qa_supervisor', 'compliance_officer', 'trainer', 'agent'];
const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

export function UsersPage() {
  const { t, lang } = useI18n();
  const users = useAsync(() => api<{ items: User[] }>('/users'), []);
  const [form, setForm] = useState({
    username: '',
    displayName: '',
    email: '',
    role: 'qa_supervisor',
    languages: '',
    teams: '',
    agentId: '',
  });
  const set = (k: keyof typeof form, v: string) => setForm((f) => ({ ...f, [k]: v }));
  const bind = (k: keyof typeof form) => ({ value: form[k], onValue: (v: string) => set(k, v) });

  const { run, message, error } = useAction(users.reload);

  const create = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const res = await api<{ user: User; password?: string }>('/users', {
        method: 'POST',
        body: {
          username: form.username,
          displayName: form.displayName,
          role: form.role,
          ...(form.email ? { email: form.email } : {}),
          languages: list(form.languages),
          teams: list(form.teams),
          ...(form.agentId ? { agentId: form.agentId } : {}),
        },
      });
      setForm({
        username: '',
        displayName: '',
        email: '',
        role: form.role,
        languages: '',
        teams: '',
        agentId: '',
      });
      return res.password
        ? t('generatedPassword', { user: res.user.username, password: res.password })
        : null;
    });
  };

  return (
    <div>
      <h1>{t('usersTitle')}</h1>
      <Outcome message={message} error={error} />
      <LoadState of={users} />
      {users.data && (
        <div class="table-wrap">
          <table>
            <ColumnHeads
              labels={[
                t('user'),
                t('displayName'),
                t('role'),
                t('languages'),
                t('teams'),
                t('agentId'),
                t('status'),
                t('lastLogin'),
              ]}
              action={t('action')}
            />
            <tbody>
              {users.data.items.map((u) => (
                <tr key={u.id}>
                  <td class="nowrap">{u.username}</td>
                  <td>{u.displayName}</td>
                  <td>{t(`role_${u.role}` as MessageKey)}</td>
                  <td>{u.languages.map((l) => languageName(l, lang) ?? l).join(', ') || '—'}</td>
                  <td>
                    {u.teams.length === 0
                      ? '—'
                      : u.teams.map((team, i) => (
                          <span class="nowrap" key={team}>
                            {i > 0 ? ', ' : ''}
                            {team}
                          </span>
                        ))}
                  </td>
                  <td>{u.agentId ?? '—'}</td>
                  <td>
                    {u.disabled ? (
                      <span class="badge">{t('disabled')}</span>
                    ) : (
                      <span class="badge status-done">{t('active')}</span>
                    )}
                    {u.failedLogins > 0 && (
                      <div class="muted small">{plural(t, 'failedSignIns', u.failedLogins)}</div>
                    )}
                  </td>
                  <td class="nowrap">{formatDateTime(u.lastLoginAt, lang)}</td>
                  <td class="actions-cell">
                    <button
                      type="button"
                      class="link"
                      onClick={() =>
                        run(() => api(`/users/${u.id}`, { method: 'PATCH', body: { disabled: !u.disabled } }))
                      }
                    >
                      {u.disabled ? t('enable') : t('disable')}
                    </button>
                    <button
                      type="button"
                      class="link"
                      onClick={() =>
                        run(async () => {
                          const r = await api<{ password?: string }>(`/users/${u.id}/password`, {
                            method: 'POST',
                            body: {},
                          });
                          return t('generatedPassword', { user: u.username, password: r.password ?? '' });
                        })
                      }
                    >
                      {t('resetPassword')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Panel title={t('newUser')} id="new-user">
        <form onSubmit={create} class="grid wide-fields">
          <InputField label={t('user')} id="u-username" required {...bind('username')} />
          <InputField label={t('displayName')} id="u-name" required {...bind('displayName')} />
          <InputField label={t('email')} id="u-email" type="email" {...bind('email')} />
          <Field label={t('role')} id="u-role">
            <select id="u-role" value={form.role} onChange={(e) => set('role', valueOf(e))}>
              {ROLES.map((r) => (
                <option value={r} key={r}>
                  {t(`role_${r}` as MessageKey)}
                </option>
              ))}
            </select>
          </Field>
          <div class="field">
            <label for="u-langs">
              {t('languages')} <small class="muted">({t('commaSeparated')})</small>
            </label>
            <input
              id="u-langs"
              placeholder="es, en"
              value={form.languages}
              onInput={(e) => set('languages', valueOf(e))}
            />
          </div>
          <div class="field">
            <label for="u-teams">
              {t('teams')} <small class="muted">({t('commaSeparated')})</small>
            </label>
            <input id="u-teams" value={form.teams} onInput={(e) => set('teams', valueOf(e))} />
          </div>
          <Field label={t('agentId')} id="u-agent">
            <input
              id="u-agent"
              required={form.role === 'agent'}
              value={form.agentId}
              onInput={(e) => set('agentId', valueOf(e))}
            />
          </Field>
          <div class="actions">
            <button type="submit" class="primary">
              {t('create')}
            </button>
          </div>
        </form>
      </Panel>
    </div>
  );
}
