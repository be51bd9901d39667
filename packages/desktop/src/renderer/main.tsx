import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';
import { Locale } from '@pnc/shared';
import { pickDesktopApi } from './api/pick-api.js';
import { App } from './components/App.js';
import { MissingAccess } from './components/MissingAccess.js';
import { createI18n } from './i18n/i18n.js';
import { LOCALE_STORAGE_KEY, pickLocale } from './i18n/locale.js';
import { createStores, StoresContext } from './stores/stores-context.js';
import './styles.css';

const i18n = createI18n(pickLocale(localStorage.getItem(LOCALE_STORAGE_KEY), navigator.languages));
document.documentElement.lang = i18n.language;

const api = pickDesktopApi(window);
const stores = api && createStores(api);

i18n.on('languageChanged', (locale) => {
  document.documentElement.lang = locale;
  localStorage.setItem(LOCALE_STORAGE_KEY, locale);
  // Kept with the workstation's settings too: the agent's address (and its storage) changes at each start.
  const saved = stores?.settings.getState().settings?.language;
  const chosen = Locale.safeParse(locale);
  if (stores && chosen.success && saved !== chosen.data) void stores.settings.getState().update({ language: chosen.data });
});

if (stores) {
  void stores.connection.getState().load();
  void stores.keys.getState().load();
  void stores.jobs.getState().load();
  void stores.settings
    .getState()
    .load()
    .then(() => {
      const language = stores.settings.getState().settings?.language;
      if (language && language !== i18n.resolvedLanguage) void i18n.changeLanguage(language);
    });
}

const rootElement = document.getElementById('root');
if (rootElement === null) throw new Error('index.html has no #root');
createRoot(rootElement).render(
  <StrictMode>
    <I18nextProvider i18n={i18n}>
      {stores ? (
        <StoresContext.Provider value={stores}>
          <App />
        </StoresContext.Provider>
      ) : (
        <div className="app">
          <main className="app-main">
            <MissingAccess />
          </main>
        </div>
      )}
    </I18nextProvider>
  </StrictMode>,
);
