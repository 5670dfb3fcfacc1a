/**
 * Notice templates: plain text with {{placeholder}} fields filled from the incident and its blast
 * radius. MUST: an unknown placeholder is refused (INCIDENT_TEMPLATE_INVALID), never left blank,
 * so a notice never goes out half-filled.
 */
import { AppError } from '../kernel/index.js';

export const NOTICE_PLACEHOLDERS = ['organization', 'incident.title', 'incident.type', 'discoveredAt', 'dueAt', 'rule', 'recipient', 'patients.count', 'devices.count', 'users.count', 'contact.name'] as const;
export type NoticeValues = Readonly<Record<(typeof NOTICE_PLACEHOLDERS)[number], string>>;

const FIELD = /\{\{\s*([^{}]*?)\s*\}\}/g;

export function renderNotice(template: string, values: NoticeValues): string {
  const unknown = [...template.matchAll(FIELD)].map((m) => m[1] ?? '').filter((name) => !(NOTICE_PLACEHOLDERS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new AppError('INCIDENT_TEMPLATE_INVALID', { publicMessage: `Unknown placeholder in the template: ${unknown[0]?.slice(0, 40) ?? ''}.` });
  return template.replace(FIELD, (_m, name: string) => values[name as keyof NoticeValues]);
}

export const DEFAULT_NOTICE_TEMPLATE = [
  'Notice of a security incident at {{organization}}',
  '',
  'On {{discoveredAt}} we discovered a security incident ({{incident.type}}): {{incident.title}}.',
  'It involved the records of {{patients.count}} individuals, {{devices.count}} devices and {{users.count}} user accounts.',
  'This notice is sent under {{rule}} to {{recipient}} ({{contact.name}}), due by {{dueAt}}.',
].join('\n');
