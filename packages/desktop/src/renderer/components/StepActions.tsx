import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Icon } from './Icon.js';

/** The step's buttons: Back on the left, the way forward on the right, always in the same place. */
export function StepActions({ onBack, children }: { onBack?: (() => void) | undefined; children?: ReactNode }) {
  const { t } = useTranslation();
  return (
    <div className="step-actions">
      {onBack ? (
        <button type="button" className="button button--secondary" onClick={onBack}>
          <Icon name="back" />
          {t('common.back')}
        </button>
      ) : (
        <span />
      )}
      <div className="step-actions__forward">{children}</div>
    </div>
  );
}
