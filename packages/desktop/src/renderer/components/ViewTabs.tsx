import { useTranslation } from 'react-i18next';
import { awaitingKeys } from '../stores/keys-store.js';
import type { View } from '../stores/nav-store.js';
import { useKeys, useNav } from '../stores/stores-context.js';
import { Icon, type IconName } from './Icon.js';

const TABS: ReadonlyArray<{ view: View; icon: IconName }> = [
  { view: 'wizard', icon: 'usb' },
  { view: 'keys', icon: 'list' },
  { view: 'history', icon: 'history' },
  { view: 'status', icon: 'server' },
  { view: 'settings', icon: 'settings' },
];

/** The app's screens: the wizard, the keys waiting for confirmation, history, server, settings. */
export function ViewTabs({ workAllowed }: { workAllowed: boolean }) {
  const { t } = useTranslation();
  const view = useNav((s) => s.view);
  const show = useNav((s) => s.show);
  const waiting = useKeys((s) => awaitingKeys(s.keys).length);
  return (
    <nav className="tabs" aria-label={t('tabs.label')}>
      {TABS.filter((tab) => workAllowed || tab.view === 'wizard' || tab.view === 'settings').map((tab) => (
        <button
          key={tab.view}
          type="button"
          className={`tabs__tab${view === tab.view ? ' tabs__tab--current' : ''}`}
          aria-current={view === tab.view ? 'page' : undefined}
          onClick={() => show(tab.view)}
        >
          <Icon name={tab.icon} />
          {t(`tabs.${tab.view}`)}
          {tab.view === 'keys' && waiting > 0 && (
            <span className="tabs__count" aria-label={t('tabs.waiting', { count: waiting })}>
              {waiting}
            </span>
          )}
        </button>
      ))}
    </nav>
  );
}
