/**
 * Where security alerts go: delivery channels (a signed webhook, email over SMTP, syslog RFC 5424
 * to a SIEM) and the dead-letter list of notifications that failed every retry, with "retry".
 *
 * MUST: a channel's secrets (webhook signing key, SMTP password) are entered once and never shown
 *       again: the server answers with the target only.
 */
import { Alert, Anchor, Button, Code, Modal, NativeSelect, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import type { ChannelKind, SecuritySeverity } from '../api/types';
import { can } from '../capabilities';
import { DataTable } from '../components/data-table';
import { ResourceTable } from '../components/resource-table';
import { ErrorNotice, Time } from '../components/feedback';
import { FormActions } from '../components/form-actions';
import { Page, Section } from '../components/page';
import { ResourceProblem, useResource } from '../components/resource';
import { useAction } from '../components/use-action';
import { Link } from '../router';
import { useSession, useSignedIn } from '../session';
import { SeverityBadge } from './alerts-page';

export function DeliveryPage() {
  const { api } = useSession();
  const session = useSignedIn();
  const [channels, reloadChannels] = useResource(() => api.channels().then((r) => r.channels), 'channels');
  const [deadLetters, reloadDeadLetters] = useResource(() => api.deadLetters().then((r) => r.deadLetters), 'dead-letters');
  const [adding, setAdding] = useState(false);
  const [retried, setRetried] = useState<string | null>(null);
  const action = useAction();
  const manage = can(session.roles, 'delivery:manage');
  const channelName = (id: string) => (channels.status === 'ok' ? (channels.data.find((c) => c.id === id)?.name ?? id) : id);

  const retry = async (id: string) => {
    setRetried(null);
    const done = await action.run(async () => {
      await api.retryDeadLetter(id);
      return true;
    });
    if (done === true) {
      setRetried(id);
      reloadDeadLetters();
    }
  };

  if (channels.status === 'error') return <ResourceProblem error={channels.error} />;
  return (
    <Page
      title="Alert delivery"
      actions={
        <Anchor component={Link} to="/security/alerts">
          Security alerts
        </Anchor>
      }
    >
      <Section title="Channels" actions={manage ? <Button onClick={() => setAdding(true)}>Add a channel</Button> : undefined}>
        <DataTable
          caption="Delivery channels"
          rows={channels.status === 'ok' ? channels.data : undefined}
          rowKey={(c) => c.id}
          empty="No channel: security alerts are only shown here."
          columns={[
            { key: 'name', header: 'Name', render: (c) => c.name },
            { key: 'kind', header: 'Kind', render: (c) => c.kind },
            { key: 'target', header: 'Target', render: (c) => <Code className="reason">{c.target}</Code> },
            { key: 'minSeverity', header: 'From severity', render: (c) => <SeverityBadge severity={c.minSeverity} /> },
            { key: 'enabled', header: 'Enabled', render: (c) => (c.enabled ? 'yes' : <Text span c="dimmed" inherit>no</Text>) },
          ]}
        />
      </Section>
      <Section title="Dead letters">
        <Stack gap="sm">
          <Text size="sm" c="dimmed">
            Notifications that failed every retry (with back-off). Retry sends one again now.
          </Text>
          <ErrorNotice error={action.error} />
          {retried !== null && (
            <Alert color="green" role="status">
              Queued for another attempt.
            </Alert>
          )}
          <ResourceTable
                testId="dead-letters"
                resource={deadLetters}
                caption="Dead letters"
                rowKey={(d) => d.id}
                empty="None: every notification was delivered."
                minWidth="48rem"
                columns={[
                  { key: 'since', header: 'Since', render: (d) => <Time iso={d.createdAt} /> },
                  { key: 'channel', header: 'Channel', render: (d) => channelName(d.channelId) },
                  {
                    key: 'alert',
                    header: 'Alert',
                    render: (d) => (
                      <Anchor component={Link} to={`/security/alerts/${encodeURIComponent(d.alertId)}`} className="reason">
                        {d.alertId}
                      </Anchor>
                    ),
                  },
                  { key: 'attempts', header: 'Attempts', numeric: true, render: (d) => d.attempts },
                  { key: 'lastError', header: 'Last error', render: (d) => <span className="reason">{d.lastError}</span> },
                  ...(manage
                    ? [
                        {
                          key: 'actions',
                          header: <span className="visually-hidden">Actions</span>,
                          label: 'Actions',
                          render: (d: { readonly id: string; readonly channelId: string }) => (
                            <Button size="xs" variant="default" disabled={action.busy} onClick={() => void retry(d.id)} aria-label={`Retry the notification to ${channelName(d.channelId)}`}>
                              Retry
                            </Button>
                          ),
                        },
                      ]
                    : []),
                ]}
              />
        </Stack>
      </Section>
      <ChannelDialog
        opened={adding}
        onClose={() => setAdding(false)}
        onSaved={() => {
          setAdding(false);
          reloadChannels();
        }}
      />
    </Page>
  );
}

const KINDS: readonly ChannelKind[] = ['webhook', 'email', 'syslog'];
const SEVERITIES: readonly SecuritySeverity[] = ['low', 'medium', 'high', 'critical'];

/**
 * The channel's `config` is not spelled out by the API contract beyond "url/host, no secrets in
 * answers"; these are the obvious fields per kind (see docs/detection.md for the server's names).
 */
function ChannelDialog({ opened, onClose, onSaved }: { readonly opened: boolean; readonly onClose: () => void; readonly onSaved: () => void }) {
  const { api } = useSession();
  const [kind, setKind] = useState<ChannelKind>('webhook');
  const [name, setName] = useState('');
  const [minSeverity, setMinSeverity] = useState<SecuritySeverity>('medium');
  const [config, setConfig] = useState<Record<string, string>>({});
  const action = useAction();
  const reset = () => {
    setKind('webhook');
    setName('');
    setMinSeverity('medium');
    setConfig({});
    action.clear();
  };
  const field = (key: string, label: string, type = 'text') => {
    const props = { label, name: key, autoComplete: 'off', value: config[key] ?? '', onChange: (e: { currentTarget: { value: string } }) => setConfig({ ...config, [key]: e.currentTarget.value }) };
    return type === 'password' ? <PasswordInput key={key} {...props} /> : <TextInput key={key} {...props} type={type} required withAsterisk={false} />;
  };
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const body: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config)) {
      if (value.trim() === '') continue;
      body[key] = key === 'port' ? Number.parseInt(value, 10) : key === 'to' ? value.split(',').map((v) => v.trim()) : value.trim();
    }
    const saved = await action.run(() => api.createChannel({ kind, name: name.trim(), minSeverity, config: body }));
    if (saved !== undefined) {
      reset();
      onSaved();
    }
  };
  const close = () => {
    reset();
    onClose();
  };
  return (
    <Modal opened={opened} onClose={close} title="Add a delivery channel" centered closeButtonProps={{ 'aria-label': 'Close' }}>
      <form onSubmit={(event) => void submit(event)}>
        <Stack gap="sm">
          <NativeSelect
            label="Kind"
            name="kind"
            value={kind}
            data={KINDS.map((k) => ({ value: k, label: k }))}
            onChange={(e) => {
              setKind(e.currentTarget.value as ChannelKind);
              setConfig({});
            }}
          />
          <TextInput label="Name" name="name" required withAsterisk={false} autoComplete="off" value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <NativeSelect label="From severity" name="minSeverity" value={minSeverity} data={SEVERITIES.map((s) => ({ value: s, label: s }))} onChange={(e) => setMinSeverity(e.currentTarget.value as SecuritySeverity)} />
          {kind === 'webhook' && [field('url', 'URL (https)', 'url'), field('secret', 'Signing secret (HMAC-SHA256)', 'password')]}
          {kind === 'email' && [field('host', 'SMTP host'), field('port', 'SMTP port', 'number'), field('from', 'From address', 'email'), field('to', 'To (comma-separated)')]}
          {kind === 'syslog' && [field('host', 'Syslog host'), field('port', 'Port', 'number'), field('transport', 'Transport (tcp or tls)')]}
          <FormActions submitLabel="Add" onCancel={close} busy={action.busy} error={action.error} />
        </Stack>
      </form>
    </Modal>
  );
}
