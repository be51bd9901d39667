import { useTranslation } from 'react-i18next';
import { LanguageSelect } from './LanguageSelect.js';
import { ServerSummary } from './ServerSummary.js';
import { UserBadge } from './UserBadge.js';
import { ViewTabs } from './ViewTabs.js';

export function Header({
  onChangeServer,
  workAllowed,
}: {
  onChangeServer: (() => void) | null;
  workAllowed: boolean;
}) {
  const { t } = useTranslation();
  return (
    <header className="app-header">
      <div className="app-header__inner">
        <div className="brand">
          <svg className="brand__mark" viewBox="0 0 32 32" aria-hidden="true">
            <rect width="32" height="32" rx="8" />
            <path d="M12 7v6M20 7v6M9 13h14v3a7 7 0 0 1-14 0v-3zM16 23v3" />
          </svg>
          <p className="brand__name">{t('app.name')}</p>
        </div>
        <ServerSummary onChange={onChangeServer} />
        <UserBadge />
        <LanguageSelect />
      </div>
      <div className="app-header__tabs">
        <ViewTabs workAllowed={workAllowed} />
      </div>
    </header>
  );
}
