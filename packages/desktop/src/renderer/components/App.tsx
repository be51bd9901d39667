import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isConnected, stepFor } from '../stores/connection-store.js';
import { isFinished } from '../stores/jobs-store.js';
import type { WorkStep } from '../stores/nav-store.js';
import { useConnection, useJobs, useKeys, useNav, useVehicle } from '../stores/stores-context.js';
import { CarStep } from './CarStep.js';
import { ConfirmStep } from './ConfirmStep.js';
import { Header } from './Header.js';
import { HistoryView } from './HistoryView.js';
import { KeyStep } from './KeyStep.js';
import { KeysView } from './KeysView.js';
import { MissingAccess } from './MissingAccess.js';
import { ServerStep } from './ServerStep.js';
import { SettingsView } from './SettingsView.js';
import { SignInStep } from './SignInStep.js';
import { StatusView } from './StatusView.js';
import { StepNav, type Step } from './StepNav.js';
import { UpdatesStep } from './UpdatesStep.js';
import { VehicleStep } from './VehicleStep.js';
import { WritingStep } from './WritingStep.js';

/** The step that can really be shown: a step whose inputs are missing falls back to the last one that has them. */
function useWorkStep(): WorkStep {
  const step = useNav((s) => s.step);
  const hasResult = useVehicle((s) => s.result !== null);
  const hasSelection = useVehicle((s) => s.selected.length > 0);
  const job = useJobs((s) => s.job);
  const confirmIds = useNav((s) => s.confirmKeyIds);
  const keysLoaded = useKeys((s) => s.loaded);
  if (step === 'confirm') return confirmIds.length > 0 && keysLoaded ? 'confirm' : 'vehicle';
  if (step === 'writing' || step === 'car') {
    if (job === null) return hasSelection ? 'key' : 'vehicle';
    if (step === 'car' && !(isFinished(job) && job.keys.some((k) => k.keyId !== null))) return 'writing';
    return step;
  }
  if (step === 'key' && !hasSelection) return hasResult ? 'updates' : 'vehicle';
  if (step === 'updates' && !hasResult) return 'vehicle';
  return step;
}

const WORK_SCREENS: Record<WorkStep, () => React.JSX.Element | null> = {
  vehicle: VehicleStep,
  updates: UpdatesStep,
  key: KeyStep,
  writing: WritingStep,
  car: CarStep,
  confirm: ConfirmStep,
};

/** The app shell: header with the screens, the wizard's steps, and the current screen. */
export function App() {
  const { t } = useTranslation();
  const connection = useConnection((s) => s.connection);
  const failure = useConnection((s) => s.failure);
  const view = useNav((s) => s.view);
  const show = useNav((s) => s.show);
  const [changingServer, setChangingServer] = useState(false);
  const connected = isConnected(connection);
  const connectionStep = changingServer ? 'server' : stepFor(connection);
  const workStep = useWorkStep();
  const step: Step = connectionStep === 'vehicle' ? workStep : connectionStep;
  const workAllowed = connectionStep === 'vehicle';
  // Keys, history and server status need a signed-in user; settings never do.
  const shownView = workAllowed || view === 'settings' ? view : 'wizard';

  // A new screen takes the focus to its title, so keyboard and screen-reader users start at the top.
  useEffect(() => {
    const active = document.activeElement;
    if (active instanceof HTMLElement && active.matches('input, textarea, select')) return;
    document.querySelector<HTMLElement>('main h1')?.focus({ preventScroll: false });
  }, [step, shownView]);

  let body;
  if (connection === null && failure?.code === 'UNAUTHENTICATED') body = <MissingAccess />;
  else if (connection === null && failure === null) body = <p className="loading">{t('app.loading')}</p>;
  else if (shownView === 'keys') body = <KeysView />;
  else if (shownView === 'history') body = <HistoryView />;
  else if (shownView === 'status') body = <StatusView onChangeServer={() => (setChangingServer(true), show('wizard'))} />;
  else if (shownView === 'settings')
    body = <SettingsView onChangeServer={() => (setChangingServer(true), show('wizard'))} />;
  // Started with a server: wait for it rather than offer to search the LAN.
  else if (step === 'server' && connection?.activity === 'connecting' && !changingServer)
    body = <p className="loading">{t('app.connecting', { server: connection.serverUrl })}</p>;
  else if (step === 'server')
    body = (
      <ServerStep
        onCancel={connected ? () => setChangingServer(false) : null}
        onConnected={() => setChangingServer(false)}
      />
    );
  else if (step === 'signIn') body = <SignInStep />;
  else {
    const Screen = WORK_SCREENS[workStep];
    body = <Screen />;
  }

  return (
    <div className="app">
      <Header
        onChangeServer={connected && step !== 'server' ? () => (setChangingServer(true), show('wizard')) : null}
        workAllowed={workAllowed}
      />
      <main className="app-main">
        {shownView === 'wizard' && <StepNav current={step} />}
        {body}
      </main>
    </div>
  );
}
