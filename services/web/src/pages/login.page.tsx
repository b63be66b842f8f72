import { useState } from 'preact/hooks';
import { api, ApiError, setCsrfToken } from '../api.ts';
import { InputField, Outcome } from '../components/common.tsx';
import { useI18n } from '../i18n.ts';
import { errorText } from '../labels.ts';

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
      // A wrong name or password is the sign-in's own message; a throttled client is told how long to wait.
      setError(
        err instanceof ApiError && err.code === 'UNAUTHENTICATED' ? t('signInFailed') : errorText(err, t),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="login">
      <form class="card" onSubmit={submit} aria-labelledby="login-h">
        <h1 id="login-h">{t('signInTitle')}</h1>
        <p class="muted">{t('signInHelp')}</p>
        <InputField
          label={t('username')}
          id="login-username"
          name="username"
          autoComplete="username"
          required
          value={username}
          onValue={setUsername}
        />
        <InputField
          label={t('password')}
          id="login-password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onValue={setPassword}
        />
        <Outcome error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? t('signingIn') : t('signIn')}
        </button>
      </form>
    </div>
  );
}
