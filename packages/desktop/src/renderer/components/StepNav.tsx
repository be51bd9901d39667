import { useTranslation } from 'react-i18next';

/** The wizard's steps, in order; the key, writing, car and confirmation steps join this list. */
export const STEPS = ['server', 'signIn', 'vehicle'] as const;
export type Step = (typeof STEPS)[number];

export function StepNav({ current }: { current: Step }) {
  const { t } = useTranslation();
  const currentIndex = STEPS.indexOf(current);
  return (
    <nav className="steps" aria-label={t('steps.label')}>
      <ol className="steps__list">
        {STEPS.map((step, i) => {
          const state = i < currentIndex ? 'done' : i === currentIndex ? 'current' : 'todo';
          return (
            <li
              key={step}
              className={`steps__item steps__item--${state}`}
              aria-current={state === 'current' ? 'step' : undefined}
            >
              <span className="steps__number" aria-hidden="true">
                {state === 'done' ? '✓' : i + 1}
              </span>
              <span className="steps__label">{t(`steps.${step}`)}</span>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
