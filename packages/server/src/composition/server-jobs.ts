/**
 * The running server's scheduled jobs: audit checkpoints and witness, device activity and
 * status, updates, incidents, usage, delivery, detectors and retention.
 */
import type { RequestCounter } from '../compliance/index.js';
import type { Scheduler } from '../jobs/index.js';
import type { Logger } from '../observability/index.js';
import { auditStore, SqlUnitOfWork, telemetryRetentionStore } from '../storage/index.js';
import { applyTelemetryRetention } from '../telemetry/index.js';
import { syslogCheckpointForwarder, witnessCheckpoints } from './audit-trail.js';
import { systemRequestContext } from './context.js';
import { runDeviceEventRetention } from './device-events.js';
import type { Platform } from './platform.js';
import { restoreDetectorState, runSecurityEventRetention, saveDetectorState } from './security-events.js';
import type { TelemetryServices } from './telemetry.js';
import { TUF_SYSTEM_CONTEXT } from './updates.js';

export async function scheduleServerJobs(scheduler: Scheduler, platform: Platform, deps: { telemetry: TelemetryServices; requestCounter: RequestCounter; logger: Logger }): Promise<void> {
  const { config } = platform;
  const { telemetry, requestCounter, logger } = deps;
  scheduler.add({
    name: 'audit-checkpoint',
    everyMs: Math.max(1000, Math.floor((config.audit.checkpointIntervalSeconds * 1000) / 2)),
    run: async () => {
      const cp = await platform.withAuditStore((store) => platform.auditLog.checkpointIfDue(store));
      if (cp) logger.info({ seq: cp.seq, keyId: cp.keyId }, 'audit checkpoint');
    },
  });
  // Each committed checkpoint also goes outside the database: the witness file and the SIEM (composition/audit-trail.ts).
  const forwardCheckpoints = syslogCheckpointForwarder(config);
  scheduler.add({
    name: 'audit-witness',
    everyMs: Math.max(1000, Math.min(5000, Math.floor((config.audit.checkpointIntervalSeconds * 1000) / 2))),
    run: async () => void (await witnessCheckpoints(config, platform.dataDir, platform.auditReader, forwardCheckpoints)),
  });

  // devices: last-seen writes, changes made by the CLI, and a CRL that never lapses.
  scheduler.add({ name: 'incident-clocks', everyMs: 60_000, run: async () => void (await platform.incidents.notifications?.tick()) });
  scheduler.add({ name: 'incident-block-list', everyMs: 10_000, run: async () => void (await platform.incidents.containment?.reloadBlocks()) });
  scheduler.add({ name: 'device-activity-flush', everyMs: 5_000, run: async () => void (await platform.devices.flushActivity()) });
  scheduler.add({ name: 'device-status-watch', everyMs: 2_000, run: async () => void (await platform.devices.pollStatusChanges()) });
  scheduler.add({ name: 'device-crl-refresh', everyMs: 60 * 60_000, run: async () => void (await platform.devices.service.crl()) });
  // updates: the TUF timestamp (1 day) and snapshot/targets (30 days) are re-signed before they expire.
  scheduler.add({
    name: 'firmware-integrity-scan',
    everyMs: 24 * 3600_000,
    run: async () => {
      const orgs = await platform.identity.listOrganizations(TUF_SYSTEM_CONTEXT);
      const flagged = await platform.updates.attestation.flagMissingReports(TUF_SYSTEM_CONTEXT, orgs.map((o) => o.id));
      if (flagged > 0) logger.warn({ flagged }, 'devices without a required firmware attestation');
    },
  });
  // updates: rollouts send their waves over the device command path and check their gates.
  platform.updates.rollouts.attachCommands({
    send: async (orgId, deviceId, name, args, ttlSeconds) => void (await telemetry.commands.send(TUF_SYSTEM_CONTEXT, deviceId, { name, args, ttlSeconds }, orgId)),
  });
  // A failed install (the device's ack of firmware.update) feeds the campaign's failure gate and retries.
  telemetry.commands.onAck((ack) => platform.updates.rollouts.recordAck(ack).catch((error: unknown) => logger.error({ err: error, deviceId: ack.deviceId }, 'rollout ack not recorded')));
  scheduler.add({ name: 'rollout-engine', everyMs: 10_000, run: () => platform.updates.rollouts.tick() });
  scheduler.add({ name: 'tuf-refresh', everyMs: 15 * 60_000, run: async () => void (await platform.updates.tuf.refresh(TUF_SYSTEM_CONTEXT)) });
  scheduler.add({ name: 'usage-request-flush', everyMs: 60_000, run: async () => void (await requestCounter.flush()) });
  // alert delivery: deliveries left in the outbox by a previous process (restart, crash)
  scheduler.add({ name: 'alert-outbox-resume', everyMs: 30_000, run: async () => void (await platform.delivery.resume()) });
  void platform.delivery.resume().catch((error: unknown) => logger.error({ err: error }, 'alert outbox resume failed'));
  // security monitoring: the silence detector (devices not heard from for longer than their model's interval)
  const silence = config.security.detectors.deviceSilence;
  if (config.security.detectors.enabled && silence.enabled) {
    scheduler.add({ name: 'security-device-silence', everyMs: silence.checkEverySeconds * 1000, run: async () => void (await platform.security.alerts.checkSilence(silence)) });
  }
  // --- reconnect floods (issue 11 item 5): detector state survives restarts; the event store is capped ---
  await restoreDetectorState(platform, logger);
  scheduler.add({ name: 'security-detector-state', everyMs: 60_000, run: () => saveDetectorState(platform) });
  // accounting of disclosures: six years kept (HIPAA §164.528, §164.530(j)); only older rows go
  scheduler.add({ name: 'disclosures-retention', everyMs: 24 * 3600 * 1000, run: async () => void (await platform.disclosures.prune(systemRequestContext('disclosures-retention'))) });
  scheduler.add({
    name: 'device-event-retention',
    everyMs: 24 * 3600 * 1000,
    run: async () => {
      const result = await runDeviceEventRetention(platform, config.devices.eventRetentionDays, systemRequestContext('device-event-retention'));
      if (result.deleted > 0) logger.info(result, 'device event retention');
    },
  });
  scheduler.add({ name: 'security-event-retention', everyMs: 10 * 60_000, run: () => runSecurityEventRetention(platform, config.security.events, logger) });
  scheduler.add({
    name: 'telemetry-retention',
    everyMs: 6 * 3600 * 1000,
    run: async () => {
      const uow = new SqlUnitOfWork(platform.database, (executor) => ({
        retention: telemetryRetentionStore(executor, platform.database.dialect),
        audit: platform.auditLog.writer(auditStore(executor, platform.database.dialect)),
      }));
      const result = await applyTelemetryRetention(uow, platform.clock, config.telemetry.retentionDays, systemRequestContext('telemetry-retention'));
      if (result.deletedRows > 0 || result.droppedPartitions.length > 0) logger.info(result, 'telemetry retention');
    },
  });
}
