import { useTranslation } from 'react-i18next';
import type { NotEligibleUpdate } from '@pnc/shared';
import { HEAD_UNIT_NAMES } from './names.js';

/** The catalog's other updates and why they do not apply: answers "why is X not offered?". */
export function NotApplicableList({ items }: { items: readonly NotEligibleUpdate[] }) {
  const { t } = useTranslation();
  if (items.length === 0) return null;
  return (
    <details className="card not-applicable">
      <summary className="not-applicable__summary">
        {t('updates.notApplicable', { count: items.length })}
      </summary>
      <table className="not-applicable__table">
        <thead>
          <tr>
            <th scope="col">{t('updates.columns.kind')}</th>
            <th scope="col">{t('updates.columns.package')}</th>
            <th scope="col">{t('updates.columns.version')}</th>
            <th scope="col">{t('updates.columns.reason')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={item.packageId}>
              <td>
                <span className={`kind kind--small kind--${item.kind.toLowerCase()}`}>
                  {t(`updates.kind.${item.kind}`)}
                </span>
              </td>
              <td className="not-applicable__package">
                {item.packageId}
                <span className="not-applicable__family">{HEAD_UNIT_NAMES[item.family]}</span>
              </td>
              <td>{item.version}</td>
              <td>{t(`updates.notReason.${item.reason}`, { family: HEAD_UNIT_NAMES[item.family] })}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
