/**
 * The recovery recipient: the age public key every backup is encrypted to, kept in
 * `<dataDir>/backup-recipient.txt`. Its identity (the recovery key) is printed once, when it is
 * made, and is never written anywhere by Vigil.
 *
 * MUST: the identity never touches the data directory, a log or a backup.
 *
 * Beside it, an online "drill" key pair lets the server itself verify backups and run drills
 * without the offline recovery key: every backup is encrypted to both recipients, and the drill
 * identity is kept sealed with the key store's KEK (`backup-drill-key.json`). It adds no access:
 * whoever can unseal it already holds the live data. Losing the host loses it; the offline
 * recovery key still opens every backup.
 * MUST: an existing recipient is replaced only on an explicit rotation (old backups keep
 *       opening with the old recovery key only).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createFileAtomic, generateRecoveryIdentity, isAgeRecipient, parseAgeIdentity, writeFileAtomic, type Sealer } from '../keys/index.js';
import { AppError } from '../kernel/index.js';
import { DRILL_KEY_FILE, RECIPIENT_FILE } from './carried-files.js';

export function recipientFile(dataDir: string): string {
  return join(dataDir, RECIPIENT_FILE);
}

/** The recipient, or undefined when the data directory has none yet. */
export async function readRecipient(dataDir: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(recipientFile(dataDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const line = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#'));
  if (line === undefined || !isAgeRecipient(line)) throw new AppError('BACKUP_NOT_CONFIGURED', { detail: `${recipientFile(dataDir)} does not hold an age recipient` });
  return line;
}

export async function requireRecipient(dataDir: string): Promise<string> {
  const recipient = await readRecipient(dataDir);
  if (recipient === undefined) {
    throw new AppError('BACKUP_NOT_CONFIGURED', { detail: `no recovery recipient in ${dataDir}; run \`vigil backup init-recovery\` and keep the recovery key it prints offline` });
  }
  return recipient;
}

/** Makes a new recovery key pair; writes the recipient; returns both (print the identity once). */
export async function initRecoveryRecipient(dataDir: string, options: { rotate?: boolean; now: Date }): Promise<{ identity: string; recipient: string }> {
  const existing = await readRecipient(dataDir);
  if (existing !== undefined && options.rotate !== true) {
    throw new AppError('VALIDATION_FAILED', { detail: `${recipientFile(dataDir)} already holds a recovery recipient; pass --rotate to replace it (old backups still need the old recovery key)` });
  }
  const pair = await generateRecoveryIdentity();
  const text = `# Vigil backup recovery recipient (age public key), created ${options.now.toISOString()}\n${pair.recipient}\n`;
  if (existing === undefined) await createFileAtomic(recipientFile(dataDir), text, 0o644);
  else await writeFileAtomic(recipientFile(dataDir), text, 0o644);
  return pair;
}

const DRILL_CONTEXT = 'backup.drill-identity';

/** Makes the online drill key pair, sealed with the KEK (replaces an older one). */
export async function initDrillIdentity(dataDir: string, sealer: Sealer): Promise<string> {
  const pair = await generateRecoveryIdentity();
  const sealed = sealer.seal(Buffer.from(pair.identity, 'utf8'), DRILL_CONTEXT);
  await writeFileAtomic(join(dataDir, DRILL_KEY_FILE), `${JSON.stringify({ recipient: pair.recipient, sealed })}\n`, 0o600);
  return pair.recipient;
}

/** The drill key pair, or undefined when none was made. */
export async function openDrillIdentity(dataDir: string, sealer: Sealer): Promise<{ recipient: string; identity: string } | undefined> {
  let text: string;
  try {
    text = await readFile(join(dataDir, DRILL_KEY_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const value = JSON.parse(text) as { recipient?: unknown; sealed?: unknown };
  if (typeof value.recipient !== 'string' || !isAgeRecipient(value.recipient) || typeof value.sealed !== 'string') {
    throw new AppError('BACKUP_NOT_CONFIGURED', { detail: `${DRILL_KEY_FILE} is malformed` });
  }
  const identity = parseAgeIdentity(Buffer.from(sealer.open(value.sealed, DRILL_CONTEXT)).toString('utf8'));
  return { recipient: value.recipient, identity };
}
