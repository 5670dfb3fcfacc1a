/**
 * A modal dialog on the native <dialog> element: showModal() makes the rest of the page inert
 * (focus stays inside), Esc closes it, and focus returns to the control that opened it.
 */
import { useEffect, useId, useRef, type ReactNode, type SyntheticEvent } from 'react';

export interface DialogProps {
  readonly open: boolean;
  readonly title: string;
  readonly onClose: () => void;
  readonly children: ReactNode;
  /** A role="alertdialog" for warnings that need an answer (the idle logout warning). */
  readonly alert?: boolean;
}

export function Dialog({ open, title, onClose, children, alert = false }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const titleId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    if (open && !dialog.open) {
      opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      dialog.showModal();
    } else if (!open && dialog.open) {
      dialog.close();
      opener.current?.focus();
    }
  }, [open]);

  useEffect(
    () => () => {
      if (ref.current?.open === true) opener.current?.focus();
    },
    [],
  );

  // Esc fires `cancel`: let the owner decide (it closes by setting open to false).
  const cancel = (event: SyntheticEvent<HTMLDialogElement>) => {
    event.preventDefault();
    onClose();
  };

  return (
    <dialog ref={ref} className="dialog" aria-labelledby={titleId} role={alert ? 'alertdialog' : 'dialog'} onCancel={cancel}>
      <h2 id={titleId}>{title}</h2>
      {open && children}
    </dialog>
  );
}
