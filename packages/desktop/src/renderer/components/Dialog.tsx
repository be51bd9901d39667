import { useEffect, useRef, type ReactNode } from 'react';

/**
 * A modal question (the browser's own <dialog>: focus is trapped, Escape closes it, the page
 * behind is inert). The cancel button gets the focus first: a stray Enter never confirms.
 */
export function Dialog({
  titleId,
  title,
  children,
  actions,
  onClose,
  tone = 'default',
}: {
  titleId: string;
  title: string;
  children: ReactNode;
  actions: ReactNode;
  onClose: () => void;
  tone?: 'default' | 'danger';
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className={`dialog dialog--${tone}`}
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <h2 id={titleId} className="dialog__title">
        {title}
      </h2>
      <div className="dialog__body">{children}</div>
      <div className="dialog__actions">{actions}</div>
    </dialog>
  );
}
