import { useTranslation } from 'react-i18next';
import { ErrorCode } from '@pnc/shared';
import { formatSize } from '../i18n/format.js';

export interface ShownError {
  code: string;
  details?: Record<string, unknown> | undefined;
}

/** An error in plain words: what happened and what to do next, translated per code. */
export function useErrorText(error: ShownError): { text: string; action: string } {
  const { t, i18n } = useTranslation();
  // A code this UI does not know yet reads as a generic failure rather than as raw text.
  const code = ErrorCode.safeParse(error.code).success ? error.code : 'INTERNAL';
  const values: Record<string, unknown> = { ...error.details };
  // The letters a VIN never contains are misread digits.
  if (code === 'VIN_FORBIDDEN_LETTER') values.suggestion = values.character === 'I' ? '1' : '0';
  // A key too small says by how much, in the technician's units.
  if (code === 'FAT32_VOLUME_TOO_SMALL' && typeof values.missingBytes === 'number') {
    return {
      text: t('errors.FAT32_VOLUME_TOO_SMALL.textMissing', {
        missing: formatSize(values.missingBytes, i18n.resolvedLanguage ?? 'en'),
      }),
      action: t(`errors.${code}.action`, values),
    };
  }
  return { text: t(`errors.${code}.text`, values), action: t(`errors.${code}.action`, values) };
}
