import { useTranslation } from 'react-i18next';
import { WORK_STEPS } from '../stores/nav-store.js';

/** The wizard's steps, in order: the connection's two, then the work on a vehicle. */
export const STEPS = ['server', 'signIn', ...WORK_STEPS] as const;
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
