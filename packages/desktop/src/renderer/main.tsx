import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';
import { pickDesktopApi } from './api/pick-api.js';
import { App } from './components/App.js';
import { MissingAccess } from './components/MissingAccess.js';
import { createI18n } from './i18n/i18n.js';
import { LOCALE_STORAGE_KEY, pickLocale } from './i18n/locale.js';
import { createConnectionStore } from './stores/connection-store.js';
import { StoresContext } from './stores/stores-context.js';
import { createVehicleStore } from './stores/vehicle-store.js';
import './styles.css';

const i18n = createI18n(pickLocale(localStorage.getItem(LOCALE_STORAGE_KEY), navigator.languages));
document.documentElement.lang = i18n.language;
i18n.on('languageChanged', (locale) => {
  document.documentElement.lang = locale;
  localStorage.setItem(LOCALE_STORAGE_KEY, locale);
});

const api = pickDesktopApi(window);
const stores = api && { connection: createConnectionStore(api), vehicle: createVehicleStore(api) };
void stores?.connection.getState().load();

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
