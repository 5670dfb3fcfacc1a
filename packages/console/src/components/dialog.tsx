/**
 * `Dialog`: a thin wrapper over Mantine's Modal for the forms that open over a page (break-glass,
 * enrolment tokens, containment actions, recording a disclosure, the idle warning). Mantine traps
 * focus inside, closes on Esc, returns focus to the control that opened it, and names the dialog
 * by its title (an <h2>), so `getByRole('dialog', { name })` finds it. Consequential actions with
 * a reason use ConfirmDialog (confirm-dialog.tsx) instead.
 *
 * Scroll locking is off (theme.tsx: react-remove-scroll writes a <style> element, which the CSP
 * refuses); the overlay still makes the page behind it unreachable by pointer.
 *
 * MUST: an `alert` dialog is an ARIA alertdialog (WAI-ARIA 1.2 §alertdialog): role="alertdialog",
 *       named by its title (aria-labelledby) and described by its message (aria-describedby), so a
 *       screen reader announces the message, not only the title. Mantine writes role="dialog" on
 *       the modal's content after the props it passes on, so the role is set on the element (a
 *       ref); React leaves it alone, as its own value for the attribute never changes. The message
 *       is the modal's body (Mantine points aria-describedby at it); the actions follow the body.
 */
import { Modal } from '@mantine/core';
import type { ReactNode } from 'react';

/** Makes Mantine's modal content an alertdialog (see above). */
function asAlertDialog(node: HTMLElement | null): void {
  node?.setAttribute('role', 'alertdialog');
}

export interface DialogProps {
  readonly open: boolean;
  readonly title: string;
  readonly onClose: () => void;
  readonly children: ReactNode;
  /**
   * A warning that needs an answer (the idle logout warning): an alertdialog with no close button,
   * a click outside does not close it (Esc answers as onClose). `children` is its message (the
   * description), `actions` its buttons.
   */
  readonly alert?: boolean;
  /** The buttons of an `alert` dialog, after its message. */
  readonly actions?: ReactNode;
}

export function Dialog({ open, title, onClose, children, alert = false, actions }: DialogProps) {
  if (alert) {
    return (
      // lockScroll as the theme's Modal default (theme.tsx): that default is Modal's, not Modal.Root's.
      <Modal.Root opened={open} onClose={onClose} centered closeOnClickOutside={false} lockScroll={false}>
        <Modal.Overlay />
        <Modal.Content ref={asAlertDialog}>
          <Modal.Header>
            <Modal.Title>{title}</Modal.Title>
          </Modal.Header>
          <Modal.Body>{children}</Modal.Body>
          <div className="alert-dialog-actions">{actions}</div>
        </Modal.Content>
      </Modal.Root>
    );
  }
  return (
    <Modal opened={open} onClose={onClose} title={title} centered withCloseButton={!alert} closeOnClickOutside={!alert} closeButtonProps={{ 'aria-label': 'Close' }}>
      {children}
    </Modal>
  );
}
