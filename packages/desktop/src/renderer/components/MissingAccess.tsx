import { useTranslation } from 'react-i18next';

/** Browser mode opened without the agent's token (a bookmark, a stale tab after a restart). */
export function MissingAccess() {
  const { t } = useTranslation();
  return (
    <section className="card step" aria-labelledby="access-title">
      <h1 id="access-title" className="step__title">
        {t('access.title')}
      </h1>
      <p className="step__intro">{t('access.text')}</p>
    </section>
  );
}
