/**
 * `FormActions`: the foot of a form in a dialog: the action's error in place, then Cancel and the
 * submit button on the right (busy while the action runs). One piece for every dialog form.
 */
import { Button, Group } from '@mantine/core';
import { ErrorNotice } from './feedback';

export interface FormActionsProps {
  /** The submit button's label (what the form does: Add, Save, Invite…). */
  readonly submitLabel: string;
  readonly onCancel: () => void;
  readonly busy: boolean;
  /** The action's error, shown above the buttons (undefined: none). */
  readonly error?: unknown;
  readonly submitDisabled?: boolean;
  /** Cancel is disabled while the action runs. */
  readonly cancelDisabledWhileBusy?: boolean;
}

export function FormActions({ submitLabel, onCancel, busy, error, submitDisabled, cancelDisabledWhileBusy = false }: FormActionsProps) {
  return (
    <>
      <ErrorNotice error={error} />
      <Group justify="flex-end" gap="sm">
        <Button variant="default" onClick={onCancel} {...(cancelDisabledWhileBusy ? { disabled: busy } : {})}>
          Cancel
        </Button>
        <Button type="submit" loading={busy} {...(submitDisabled !== undefined ? { disabled: submitDisabled } : {})}>
          {submitLabel}
        </Button>
      </Group>
    </>
  );
}
