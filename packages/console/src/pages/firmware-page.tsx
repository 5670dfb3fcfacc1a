/**
 * Firmware releases (issue 13): every published release with its support and end-of-life dates,
 * and one release with its CycloneDX SBOM: each component's licences, support level and
 * end-of-support date (or the justification where they are unknown), as FDA's premarket guidance
 * and FD&C Act 524B(b)(3) ask. Publishing stays on the CLI (`vigil firmware publish`).
 * Read-only: GET /api/v1/firmware/releases (firmware:read).
 */
import type { FirmwareRelease, SbomComponent } from '../api/types';
import { Loading, Time } from '../components/feedback';
import { ResourceProblem, useResource } from '../components/resource';
import { Link } from '../router';
import { useSession } from '../session';

const DAY_MS = 86_400_000;

export function size(bytes: number): string {
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

/** A support date, flagged once passed or within 180 days (dates are UTC calendar days). */
export function SupportDate({ date }: { readonly date: string | null }) {
  if (date === null) return <span className="muted">—</span>;
  const left = Date.parse(`${date}T23:59:59Z`) - Date.now();
  return (
    <span className={left <= 0 ? 'expired' : left <= 180 * DAY_MS ? 'expiring' : undefined}>
      <Time iso={`${date}T00:00:00Z`} dateOnly />
      {left <= 0 ? ' (ended)' : left <= 180 * DAY_MS ? ' (ends soon)' : ''}
    </span>
  );
}

const releasePath = (r: { model: string; version: string }) => `/firmware/${encodeURIComponent(r.model)}/${encodeURIComponent(r.version)}/details`;

export function FirmwarePage() {
  const { api } = useSession();
  const [releases] = useResource(() => api.firmwareReleases().then((r) => r.releases), 'firmware-releases');
  if (releases.status === 'error') return <ResourceProblem error={releases.error} />;
  return (
    <section aria-labelledby="firmware-title">
      <div className="page-head">
        <h1 id="firmware-title">Firmware</h1>
        <nav aria-label="Firmware views" className="tabs">
          <Link to="/firmware/integrity">Fleet integrity</Link> <Link to="/rollouts">Rollouts</Link>
        </nav>
      </div>
      {releases.status === 'loading' ? (
        <Loading what="firmware releases" />
      ) : releases.data.length === 0 ? (
        <p>
          No release yet: publish one with <code>vigil firmware publish IMAGE --model M --version V --sbom FILE</code>.
        </p>
      ) : (
        <table className="table">
          <caption className="visually-hidden">Published firmware releases</caption>
          <thead>
            <tr>
              <th scope="col">Release</th>
              <th scope="col">Updates from</th>
              <th scope="col">Image</th>
              <th scope="col">SBOM</th>
              <th scope="col">Support ends</th>
              <th scope="col">End of life</th>
              <th scope="col">Published</th>
            </tr>
          </thead>
          <tbody>
            {releases.data.map((r) => (
              <tr key={r.id}>
                <td>
                  <Link to={releasePath(r)}>
                    {r.model} {r.version}
                  </Link>
                </td>
                <td>{r.minVersion}</td>
                <td>{size(r.length)}</td>
                <td>
                  {r.sbom.components.length} components{unsupported(r.sbom.components) > 0 && <span className="expired"> ({unsupported(r.sbom.components)} out of support)</span>}
                </td>
                <td>
                  <SupportDate date={r.supportEndsAt} />
                </td>
                <td>
                  <SupportDate date={r.endOfLifeAt} />
                </td>
                <td>
                  <Time iso={r.createdAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** Components whose support has ended, or that are no longer maintained. */
function unsupported(components: readonly SbomComponent[]): number {
  const today = new Date().toISOString().slice(0, 10);
  return components.filter((c) => c.supportLevel === 'no-longer-maintained' || c.supportLevel === 'abandoned' || (c.endOfSupport !== null && c.endOfSupport < today)).length;
}

export function FirmwareReleasePage({ model, version }: { readonly model: string; readonly version: string }) {
  const { api } = useSession();
  const [release] = useResource(() => api.firmwareRelease(model, version), `release-${model}-${version}`);
  if (release.status === 'error') return <ResourceProblem error={release.error} />;
  if (release.status === 'loading') return <Loading what="the release" />;
  return <ReleaseView release={release.data} sbomUrl={api.sbomUrl(model, version)} />;
}

function ReleaseView({ release: r, sbomUrl }: { readonly release: FirmwareRelease; readonly sbomUrl: string }) {
  return (
    <section aria-labelledby="release-title">
      <div className="page-head">
        <h1 id="release-title">
          {r.model} {r.version}
        </h1>
        <Link to="/firmware">All releases</Link>
      </div>
      <dl className="facts">
        <dt>Updates from</dt>
        <dd>{r.minVersion} or later</dd>
        <dt>Hardware revisions</dt>
        <dd>{r.hardwareRevisions.join(', ')}</dd>
        <dt>Image</dt>
        <dd>
          {size(r.length)}, <code className="hash">{r.targetPath}</code>
        </dd>
        <dt>SHA-256</dt>
        <dd>
          <code className="hash">{r.sha256}</code>
        </dd>
        <dt>Support ends</dt>
        <dd>
          <SupportDate date={r.supportEndsAt} />
        </dd>
        <dt>End of life</dt>
        <dd>
          <SupportDate date={r.endOfLifeAt} />
        </dd>
        <dt>Published</dt>
        <dd>
          <Time iso={r.createdAt} /> by {r.createdBy}
        </dd>
      </dl>
      {r.notes !== '' && (
        <>
          <h2>Release notes</h2>
          <p className="notes">{r.notes}</p>
        </>
      )}
      <h2>Software bill of materials</h2>
      <p>
        CycloneDX {r.sbom.specVersion}
        {r.sbom.serialNumber !== null && (
          <>
            , <code className="hash">{r.sbom.serialNumber}</code>
          </>
        )}
        . <a href={sbomUrl}>Download the SBOM as published</a>
      </p>
      <table className="table">
        <caption className="visually-hidden">SBOM components with their licences and support</caption>
        <thead>
          <tr>
            <th scope="col">Component</th>
            <th scope="col">Version</th>
            <th scope="col">Licences</th>
            <th scope="col">Support</th>
            <th scope="col">End of support</th>
          </tr>
        </thead>
        <tbody>
          {r.sbom.components.map((c, i) => (
            <tr key={`${c.purl ?? c.name}-${i}`}>
              <td>
                {c.name}
                {c.purl !== null && (
                  <div className="muted small">
                    <code className="hash">{c.purl}</code>
                  </div>
                )}
              </td>
              <td>{c.version ?? <span className="muted">—</span>}</td>
              <td>{c.licenses.length === 0 ? <span className="muted">none stated</span> : c.licenses.join(', ')}</td>
              <td>{c.supportLevel}</td>
              <td>
                <SupportDate date={c.endOfSupport} />
                {c.justification !== null && <div className="muted small">{c.justification}</div>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
