/**
 * A confirmation for an action that changes something that matters (quarantine, revoke, bulk
 * acknowledge): a Mantine modal with the consequence, an optional reason (free text, or one of a
 * coded list), and the server's error in place when the action fails.
 *
 * Use:
 *   const [open, setOpen] = useState(false);
 *   <ConfirmDialog
 *     opened={open}
 *     onClose={() => setOpen(false)}
 *     title="Quarantine 3 devices?"
 *     confirmLabel="Quarantine"
 *     danger
 *     reasons={[{ value: 'suspected-compromise', label: 'Suspected compromise' }]}   // coded: a select
 *     reason="required"                                                             // or 'optional' / 'none'
 *     onConfirm={async ({ reason, code }) => { await api.quarantine(ids, code ?? reason); }}
 *   >
 *     Their connections are cut until they are released.
 *   </ConfirmDialog>
 *
 * With `reasons`, the reason is the chosen code (and free text is a note when `reason` is not
 * 'none'); without, it is free text of `minLength` to `maxLength` characters.
 *
 * MUST: the confirm button stays disabled until a required reason is given, and while the action
 *       runs (no double submit); the dialog closes only when `onConfirm` succeeds.
 * MUST: focus is trapped in the dialog and returns to the opener on close (Mantine's Modal).
 */
import { Alert, Button, Group, Modal, Select, Stack, Textarea } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import { isApiError } from '../api/client';

export interface ConfirmResult {
  /** The free-text reason ('' when none). */
  readonly reason: string;
  /** The chosen coded reason, when `reasons` was given. */
  readonly code: string | null;
}

export interface ConfirmDialogProps {
  readonly opened: boolean;
  readonly onClose: () => void;
  readonly title: string;
  readonly children?: ReactNode;
  readonly confirmLabel: string;
  readonly danger?: boolean;
  readonly reason?: 'required' | 'optional' | 'none';
  readonly reasons?: readonly { readonly value: string; readonly label: string }[];
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly onConfirm: (result: ConfirmResult) => Promise<unknown> | void;
}

export function ConfirmDialog({ opened, onClose, title, children, confirmLabel, danger = false, reason = 'none', reasons, minLength = 1, maxLength = 500, onConfirm }: ConfirmDialogProps) {
  const [text, setText] = useState('');
  const [code, setCode] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const coded = reasons !== undefined && reasons.length > 0;
  const trimmed = text.trim();
  const textOk = reason !== 'required' || coded || (trimmed.length >= minLength && trimmed.length <= maxLength);
  const codeOk = !coded || reason === 'none' || reason === 'optional' || code !== null;
  const ready = textOk && codeOk && trimmed.length <= maxLength && !busy;

  const close = () => {
    if (busy) return;
    setText('');
    setCode(null);
    setError(null);
    onClose();
  };
  const confirm = async () => {
    if (!ready) return;
    setBusy(true);
    setError(null);
    try {
      await onConfirm({ reason: trimmed, code });
      setBusy(false);
      close();
    } catch (caught) {
      setBusy(false);
      setError(caught);
    }
  };

  return (
    <Modal opened={opened} onClose={close} title={title} centered closeButtonProps={{ 'aria-label': 'Close' }}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void confirm();
        }}
      >
        <Stack gap="sm">
          {children !== undefined && <div>{children}</div>}
          {coded && (
            <Select label="Reason" placeholder="Choose a reason…" data={reasons.map((r) => ({ value: r.value, label: r.label }))} value={code} onChange={setCode} required={reason === 'required'} comboboxProps={{ withinPortal: false }} />
          )}
          {reason !== 'none' && !coded && (
            <Textarea
              label="Reason"
              description={reason === 'required' ? `At least ${minLength} characters, at most ${maxLength}.` : undefined}
              value={text}
              onChange={(event) => setText(event.currentTarget.value)}
              required={reason === 'required'}
              maxLength={maxLength}
              autosize
              minRows={2}
            />
          )}
          {error !== null && (
            <Alert color="red" role="alert" title="Not done">
              {isApiError(error) ? `${error.message} (${error.code})` : error instanceof Error ? error.message : 'Something went wrong.'}
            </Alert>
          )}
          <Group justify="flex-end" gap="sm">
            <Button variant="default" onClick={close} disabled={busy}>
              Cancel
            </Button>
            <Button type="submit" {...(danger ? { color: 'red' } : {})} disabled={!ready} loading={busy}>
              {confirmLabel}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
