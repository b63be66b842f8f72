import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { api, can, onSessionEnded, setCsrfToken, type Me } from './api.ts';
import {
  I18nContext,
  initialLang,
  translate,
  useI18n,
  type I18n,
  type Lang,
  type MessageKey,
} from './i18n.ts';
import { AgentsPage } from './pages/agents.page.tsx';
import { CollectionsPage } from './pages/collections.page.tsx';
import { AuditPage } from './pages/audit.page.tsx';
import { AlertsPage } from './pages/alerts.page.tsx';
import { AlertNotice } from './components/alert-notice.tsx';
import { MenuButton } from './components/menu.tsx';
import { CallPage } from './pages/call.page.tsx';
import { CompliancePage } from './pages/compliance.page.tsx';
import { LibraryPage } from './pages/library.page.tsx';
import { LiveCallPage } from './pages/live-call.page.tsx';
import { LivePage } from './pages/live.page.tsx';
import { LoginPage } from './pages/login.page.tsx';
import { RetentionPage } from './pages/retention.page.tsx';
import { ReviewItemPage } from './pages/review-item.page.tsx';
import { ReviewPage } from './pages/review.page.tsx';
import { SearchPage } from './pages/search.page.tsx';
import { UsersPage } from './pages/users.page.tsx';
import { WebhooksPage } from './pages/webhooks.page.tsx';
import { navigate, useLocation } from './router.ts';

export function App() {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const loc = useLocation();

  const i18n: I18n = useMemo(
    () => ({
      lang,
      setLang: (l: Lang) => {
        localStorage.setItem('escucha.lang', l);
        setLangState(l);
      },
      t: (key: MessageKey, params?: Record<string, string | number>) => translate(lang, key, params),
    }),
    [lang],
  );

  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  const loadMe = useCallback(async () => {
    try {
      const m = await api<Me>('/auth/me');
      setCsrfToken(m.csrfToken);
      setMe(m);
    } catch {
      setCsrfToken(null);
      setMe(null);
    }
  }, []);

  useEffect(() => {
    onSessionEnded(() => {
      setCsrfToken(null);
      setMe(null);
    });
    void loadMe();
  }, [loadMe]);

  const signOut = async () => {
    try {
      await api('/auth/logout', { method: 'POST' });
    } finally {
      setCsrfToken(null);
      setMe(null);
      navigate('/');
    }
  };

  let page;
  if (me === undefined) page = <p class="muted">{i18n.t('loading')}</p>;
  else if (me === null) page = <LoginPage onSignedIn={loadMe} />;
  else page = route(loc.path, me, i18n);

  return (
    <I18nContext.Provider value={i18n}>
      <a class="skip" href="#main">
        {i18n.t('skipToContent')}
      </a>
      <header class="topbar">
        <a class="brand" href="/">
          <span aria-hidden="true">◉</span> {i18n.t('appName')}
        </a>
        {me && <Nav me={me} path={loc.path} />}
        <div class="topbar-end">
          <label class="lang-switch">
            <span class="sr-only">{i18n.t('language')}</span>
            <select
              aria-label={i18n.t('language')}
              value={lang}
              onChange={(e) => i18n.setLang((e.currentTarget as HTMLSelectElement).value as Lang)}
            >
              <option value="es">Español</option>
              <option value="en">English</option>
            </select>
          </label>
          {me && (
            <MenuButton
              class="user-menu"
              align="end"
              closeOn={loc.path}
              label={<span class="who">{me.principal.name}</span>}
              ariaLabel={i18n.t('userMenu', { name: me.principal.name })}
            >
              <p class="menu-note">
                <strong>{me.principal.name}</strong>
                <br />
                {i18n.t(`role_${me.principal.role}` as MessageKey)}
                {me.principal.username && me.principal.username !== me.principal.name && (
                  <span class="muted"> · {me.principal.username}</span>
                )}
              </p>
              <button type="button" onClick={signOut}>
                {i18n.t('signOut')}
              </button>
            </MenuButton>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {me && can(me, 'alerts') && <AlertNotice />}
        {page}
      </main>
    </I18nContext.Provider>
  );
}

/** The pages a role may open: the daily ones in the bar, the administration ones under one menu. */
function Nav({ me, path }: { me: Me; path: string }) {
  const { t } = useI18n();
  const links: [string, MessageKey, boolean][] = [
    ['/', 'navSearch', can(me, 'search')],
    ['/review', 'navReview', can(me, 'review')],
    ['/compliance', 'navCompliance', can(me, 'compliance')],
    ['/agents', 'navAgents', can(me, 'agents')],
    ['/live', 'navLive', can(me, 'live')],
    ['/alerts', 'navAlerts', can(me, 'alerts')],
    ['/collections-follow-up', 'navCollections', can(me, 'collections')],
    ['/library', 'navLibrary', can(me, 'library')],
  ];
  const admin: [string, MessageKey, boolean][] = [
    ['/audit', 'navAudit', can(me, 'audit')],
    ['/retention', 'navRetention', can(me, 'retention')],
    ['/users', 'navUsers', can(me, 'users')],
    ['/webhooks', 'navWebhooks', can(me, 'webhooks')],
  ];
  const isActive = (href: string) =>
    href === '/' ? path === '/' || path.startsWith('/calls') : path === href || path.startsWith(`${href}/`);
  const link = ([href, key]: [string, MessageKey, boolean]) => (
    <li key={href}>
      <a href={href} aria-current={isActive(href) ? 'page' : undefined}>
        {t(key)}
      </a>
    </li>
  );
  const adminLinks = admin.filter(([, , ok]) => ok);
  return (
    <nav aria-label={t('navMain')}>
      <ul>
        {links.filter(([, , ok]) => ok).map(link)}
        {adminLinks.length > 0 && (
          <li>
            <MenuButton
              label={t('navAdmin')}
              current={adminLinks.some(([href]) => isActive(href))}
              closeOn={path}
            >
              <ul>{adminLinks.map(link)}</ul>
            </MenuButton>
          </li>
        )}
      </ul>
    </nav>
  );
}

function route(path: string, me: Me, i18n: I18n) {
  const deny = <p class="error">{i18n.t('forbidden')}</p>;
  const liveCall = /^\/live\/calls\/([0-9a-fA-F-]{36})\/?$/.exec(path);
  if (liveCall) return can(me, 'listenLive') ? <LiveCallPage captureId={liveCall[1]!} me={me} /> : deny;
  const call = /^\/calls\/([0-9a-fA-F-]{36})\/?$/.exec(path);
  if (call) return can(me, 'search') ? <CallPage id={call[1]!} me={me} /> : deny;
  if (path === '/' || path === '/search') return can(me, 'search') ? <SearchPage me={me} /> : deny;
  if (path.startsWith('/audit')) return can(me, 'audit') ? <AuditPage me={me} /> : deny;
  if (path.startsWith('/users')) return can(me, 'users') ? <UsersPage /> : deny;
  if (path.startsWith('/retention')) return can(me, 'retention') ? <RetentionPage /> : deny;
  if (path.startsWith('/webhooks')) return can(me, 'webhooks') ? <WebhooksPage /> : deny;
  if (path.startsWith('/library')) return can(me, 'library') ? <LibraryPage /> : deny;
  const reviewItem = /^\/review\/items\/([0-9a-fA-F-]{36})\/?$/.exec(path);
  if (reviewItem) return can(me, 'review') ? <ReviewItemPage id={reviewItem[1]!} me={me} /> : deny;
  if (path.startsWith('/review')) return can(me, 'review') ? <ReviewPage me={me} /> : deny;
  if (path.startsWith('/compliance')) return can(me, 'compliance') ? <CompliancePage /> : deny;
  if (path.startsWith('/agents')) return can(me, 'agents') ? <AgentsPage /> : deny;
  if (path === '/live' || path === '/live/') return can(me, 'live') ? <LivePage /> : deny;
  if (path.startsWith('/collections-follow-up')) {
    return can(me, 'collections') ? <CollectionsPage me={me} /> : deny;
  }
  if (path.startsWith('/alerts')) return can(me, 'alerts') ? <AlertsPage /> : deny;
  return <p>{i18n.t('notFound')}</p>;
}
