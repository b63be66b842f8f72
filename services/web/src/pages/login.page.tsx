import { useState } from 'preact/hooks';
import { api, ApiError, setCsrfToken } from '../api.ts';
import { useI18n } from '../i18n.ts';

export function LoginPage({ onSignedIn }: { onSignedIn: () => Promise<void> }) {
  const { t } = useI18n();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await api<{ csrfToken: string }>('/auth/login', {
        method: 'POST',
        body: { username, password },
      });
      setCsrfToken(res.csrfToken);
      setPassword('');
      await onSignedIn();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="login">
      <form class="card" onSubmit={submit} aria-labelledby="login-h">
        <h1 id="login-h">{t('signInTitle')}</h1>
        <p class="muted">{t('signInHelp')}</p>
        <div class="field">
          <label for="login-username">{t('username')}</label>
          <input
            id="login-username"
            name="username"
            autoComplete="username"
            required
            value={username}
            onInput={(e) => setUsername((e.currentTarget as HTMLInputElement).value)}
          />
        </div>
        <div class="field">
          <label for="login-password">{t('password')}</label>
          <input
            id="login-password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword((e.currentTarget as HTMLInputElement).value)}
          />
        </div>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? t('signingIn') : t('signIn')}
        </button>
      </form>
    </div>
  );
}
