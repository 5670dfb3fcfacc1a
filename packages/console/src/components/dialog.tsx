/**
 * `Dialog`: a thin wrapper over Mantine's Modal for the forms that open over a page (break-glass,
 * enrolment tokens, containment actions, recording a disclosure, the idle warning). Mantine traps
 * focus inside, closes on Esc, returns focus to the control that opened it, and names the dialog
 * by its title (an <h2>), so `getByRole('dialog', { name })` finds it. Consequential actions with
 * a reason use ConfirmDialog (confirm-dialog.tsx) instead.
 *
 * Scroll locking is off (theme.tsx: react-remove-scroll writes a <style> element, which the CSP
 * refuses); the overlay still makes the page behind it unreachable by pointer.
 */
import { Modal } from '@mantine/core';
import type { ReactNode } from 'react';

export interface DialogProps {
  readonly open: boolean;
  readonly title: string;
  readonly onClose: () => void;
  readonly children: ReactNode;
  /** A warning that needs an answer (the idle logout warning): no close button, a click outside does not close it (Esc answers as onClose). */
  readonly alert?: boolean;
}

export function Dialog({ open, title, onClose, children, alert = false }: DialogProps) {
  return (
    <Modal opened={open} onClose={onClose} title={title} centered withCloseButton={!alert} closeOnClickOutside={!alert} closeButtonProps={{ 'aria-label': 'Close' }}>
      {children}
    </Modal>
  );
}
