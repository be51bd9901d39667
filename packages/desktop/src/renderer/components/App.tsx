import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isConnected, stepFor } from '../stores/connection-store.js';
import { useConnection } from '../stores/stores-context.js';
import { Header } from './Header.js';
import { MissingAccess } from './MissingAccess.js';
import { ServerStep } from './ServerStep.js';
import { SignInStep } from './SignInStep.js';
import { StepNav, type Step } from './StepNav.js';
import { VehicleStep } from './VehicleStep.js';

/** The wizard shell: header, the steps, and the current step's screen. */
export function App() {
  const { t } = useTranslation();
  const connection = useConnection((s) => s.connection);
  const failure = useConnection((s) => s.failure);
  const [changingServer, setChangingServer] = useState(false);
  const connected = isConnected(connection);
  const step: Step = changingServer ? 'server' : stepFor(connection);

  let body;
  if (connection === null && failure?.code === 'UNAUTHENTICATED') body = <MissingAccess />;
  else if (connection === null && failure === null) body = <p className="loading">{t('app.loading')}</p>;
  else if (step === 'server')
    body = (
      <ServerStep
        onCancel={connected ? () => setChangingServer(false) : null}
        onConnected={() => setChangingServer(false)}
      />
    );
  else if (step === 'signIn') body = <SignInStep />;
  else body = <VehicleStep />;

  return (
    <div className="app">
      <Header onChangeServer={connected && step !== 'server' ? () => setChangingServer(true) : null} />
      <main className="app-main">
        <StepNav current={step} />
        {body}
      </main>
    </div>
  );
}
