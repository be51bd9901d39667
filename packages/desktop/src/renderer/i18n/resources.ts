import type { Locale } from '@pnc/shared';
import de from './de.json' with { type: 'json' };
import en from './en.json' with { type: 'json' };
import es from './es.json' with { type: 'json' };
import fr from './fr.json' with { type: 'json' };
import it from './it.json' with { type: 'json' };

/** Every string of the UI, per language; English is the reference every language must match. */
export const resources: Record<Locale, { translation: unknown }> = {
  it: { translation: it },
  fr: { translation: fr },
  es: { translation: es },
  en: { translation: en },
  de: { translation: de },
};
