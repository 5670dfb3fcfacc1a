/** The start page after sign-in: where each of the user's roles usually goes. */
import { can } from '../capabilities';
import { Link } from '../router';
import { useSignedIn } from '../session';

export function HomePage() {
  const session = useSignedIn();
  const roles = session.roles;
  return (
    <section aria-labelledby="home-title">
      <h1 id="home-title">Welcome, {session.user.displayName}</h1>
      <ul className="tiles">
        {can(roles, 'patients:read') && (
          <li>
            <Link to="/patients">Patients</Link>
            <span className="muted"> — records and care teams</span>
          </li>
        )}
        {can(roles, 'clinical-alerts:read') && (
          <li>
            <Link to="/alerts">Clinical alerts</Link>
            <span className="muted"> — the alerts inbox of your patients</span>
          </li>
        )}
        {can(roles, 'alert-rules:manage') && (
          <li>
            <Link to="/alert-rules">Alert rules</Link>
            <span className="muted"> — clinical thresholds for the organization and per patient</span>
          </li>
        )}
        {can(roles, 'security:read') && (
          <li>
            <Link to="/security/alerts">Security alerts</Link>
            <span className="muted"> — suspicious events from people and devices, with evidence</span>
          </li>
        )}
        {can(roles, 'usage:read') && (
          <li>
            <Link to="/usage">Usage</Link>
            <span className="muted"> — logins, API calls, devices and messages over time</span>
          </li>
        )}
        {can(roles, 'devices:read') && (
          <li>
            <Link to="/devices">Devices</Link>
            <span className="muted"> — the fleet, enrolment and containment</span>
          </li>
        )}
        {can(roles, 'users:read') && (
          <li>
            <Link to="/users">Users</Link>
            <span className="muted"> — accounts, roles and training</span>
          </li>
        )}
        {can(roles, 'break-glass:review') && (
          <li>
            <Link to="/break-glass">Break-glass review</Link>
            <span className="muted"> — emergency access to review</span>
          </li>
        )}
        <li>
          <Link to="/account">Your account</Link>
          <span className="muted"> — password and second factors</span>
        </li>
      </ul>
    </section>
  );
}
