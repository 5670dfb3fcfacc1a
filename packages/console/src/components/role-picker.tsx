/** Checkboxes for a person's roles (service is for service accounts, not people). */
import { ROLES, type Role } from '../api/types';

export const ROLE_LABELS: Record<Role, string> = {
  'platform-admin': 'Platform admin',
  'org-admin': 'Organization admin',
  'security-officer': 'Security officer',
  clinician: 'Clinician',
  technician: 'Technician',
  auditor: 'Auditor',
  service: 'Service',
};

export function RolePicker({
  value,
  onChange,
  grantorRoles,
  legend = 'Roles',
}: {
  readonly value: readonly Role[];
  readonly onChange: (roles: Role[]) => void;
  /** The signed-in user's roles: only a platform admin may grant platform-admin. */
  readonly grantorRoles: readonly Role[];
  readonly legend?: string;
}) {
  const choices = ROLES.filter((role) => role !== 'service' && (role !== 'platform-admin' || grantorRoles.includes('platform-admin')));
  const toggle = (role: Role, on: boolean) => onChange(on ? [...value.filter((r) => r !== role), role] : value.filter((r) => r !== role));
  return (
    <fieldset className="roles">
      <legend>{legend}</legend>
      {choices.map((role) => (
        <label key={role} className="check">
          <input type="checkbox" name="roles" value={role} checked={value.includes(role)} onChange={(e) => toggle(role, e.target.checked)} />
          {ROLE_LABELS[role]}
        </label>
      ))}
    </fieldset>
  );
}
