import { useErrorText, type ShownError } from './error-text.js';

export function ErrorNotice({ error }: { error: ShownError }) {
  const { text, action } = useErrorText(error);
  return (
    <div className="notice notice--error" role="alert">
      <svg className="notice__icon" viewBox="0 0 24 24" aria-hidden="true">
        <circle cx="12" cy="12" r="10" />
        <path d="M12 7v6M12 16.5v.5" />
      </svg>
      <div>
        <p className="notice__text">{text}</p>
        <p className="notice__action">{action}</p>
      </div>
    </div>
  );
}
