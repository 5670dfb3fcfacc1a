/** The compliance section's own navigation: one line of links, shown on each of its pages. */
import { can } from '../../capabilities';
import { Link, usePath } from '../../router';
import { useSignedIn } from '../../session';

const PAGES = [
  { to: '/compliance', label: 'Audits & findings', capability: 'compliance:read' },
  { to: '/compliance/risks', label: 'Risk register', capability: 'risks:read' },
  { to: '/changes', label: 'Change requests', capability: 'changes:read' },
  { to: '/compliance/report', label: 'Compliance report', capability: 'compliance:manage' },
] as const;

export function ComplianceNav() {
  const { roles } = useSignedIn();
  const path = usePath();
  return (
    <nav aria-label="Compliance" className="tabs">
      {PAGES.filter((p) => can(roles, p.capability)).map((p) => (
        <Link key={p.to} to={p.to} aria-current={path === p.to ? 'page' : undefined}>
          {p.label}
        </Link>
      ))}
    </nav>
  );
}
