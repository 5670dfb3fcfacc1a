/**
 * The risk register (issue 14): a 5x5 likelihood x impact heat map of the risks at their current
 * score (a failing linked check raises the current likelihood), then the register with inherent,
 * residual and current scores, owners, review dates and the failing checks; export as CSV or JSON.
 * The heat map is a plain CSS grid of buttons (no chart library): each cell names its count and
 * filters the table below to its risks.
 */
import { useState } from 'react';
import { Loading, Time } from '../../components/feedback';
import { ResourceProblem, useResource } from '../../components/resource';
import { useSignedIn } from '../../session';
import { call, type Risk } from './api';
import { ComplianceNav } from './nav';

const SCALE = [1, 2, 3, 4, 5] as const;

/** Cell colour by score (likelihood x impact, 1..25): green, yellow, orange, red. */
function band(score: number): 'low' | 'medium' | 'high' | 'critical' {
  if (score >= 15) return 'critical';
  if (score >= 10) return 'high';
  if (score >= 5) return 'medium';
  return 'low';
}

function HeatMap({ risks, selected, onSelect }: { readonly risks: readonly Risk[]; readonly selected: string; readonly onSelect: (cell: string) => void }) {
  const count = (l: number, i: number) => risks.filter((r) => r.currentLikelihood === l && r.impact === i).length;
  return (
    <div className="heatmap-wrap">
      <p id="heatmap-axes" className="muted small">
        Likelihood (rows, 5 at the top) by impact (columns, 1 to 5), at the current score.
      </p>
      <div className="heatmap" role="group" aria-labelledby="heatmap-axes" data-testid="risk-heatmap">
        {[...SCALE].reverse().map((l) =>
          SCALE.map((i) => {
            const n = count(l, i);
            const cell = `${l}x${i}`;
            return (
              <button
                type="button"
                key={cell}
                className={`heat heat-${band(l * i)}`}
                aria-pressed={selected === cell}
                aria-label={`Likelihood ${l}, impact ${i}: ${n} ${n === 1 ? 'risk' : 'risks'}`}
                onClick={() => onSelect(selected === cell ? '' : cell)}
              >
                {n > 0 ? n : ''}
              </button>
            );
          }),
        )}
      </div>
    </div>
  );
}

export function RisksPage() {
  const csrf = useSignedIn().csrfToken;
  const [risks] = useResource(() => call<{ risks: Risk[] }>(csrf, 'GET', '/api/v1/risks').then((r) => r.risks), 'risks');
  const [cell, setCell] = useState('');
  if (risks.status === 'error') return <ResourceProblem error={risks.error} />;
  const shown = risks.status === 'ok' ? risks.data.filter((r) => cell === '' || `${r.currentLikelihood}x${r.impact}` === cell) : [];
  return (
    <section aria-labelledby="risks-title">
      <div className="page-head">
        <h1 id="risks-title">Risk register</h1>
        <div className="actions">
          <a href="/api/v1/risks/export?format=csv" download>
            Export CSV
          </a>
          <a href="/api/v1/risks/export?format=json" download>
            Export JSON
          </a>
        </div>
      </div>
      <ComplianceNav />
      {risks.status === 'loading' ? (
        <Loading what="the risk register" />
      ) : (
        <>
          <HeatMap risks={risks.data} selected={cell} onSelect={setCell} />
          {cell !== '' && (
            <p role="status">
              Showing the risks of cell {cell.replace('x', ' x ')}.{' '}
              <button type="button" onClick={() => setCell('')}>
                Show all
              </button>
            </p>
          )}
          <table className="table" data-testid="risks">
            <thead>
              <tr>
                <th scope="col">Risk</th>
                <th scope="col">Assets</th>
                <th scope="col">Inherent</th>
                <th scope="col">Residual</th>
                <th scope="col">Current</th>
                <th scope="col">Failing checks</th>
                <th scope="col">Owner</th>
                <th scope="col">Review</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((r) => (
                <tr key={r.id}>
                  <td>
                    <code>{r.id}</code> {r.title}
                    <div className="muted small">{r.threat}</div>
                  </td>
                  <td>{r.assets.join(', ')}</td>
                  <td>
                    {r.inherentScore} ({r.likelihood} x {r.impact})
                  </td>
                  <td>
                    {r.residualScore} ({r.residualLikelihood} x {r.residualImpact})
                  </td>
                  <td>
                    <strong>{r.currentScore}</strong> ({r.currentLikelihood} x {r.impact})
                  </td>
                  <td>{r.failingChecks.length === 0 ? <span className="muted">none</span> : r.failingChecks.map((c) => <code key={c}>{c} </code>)}</td>
                  <td>{r.owner}</td>
                  <td>
                    <Time iso={r.reviewAt} dateOnly />
                    {r.needsReview && <div className="notice notice-warning small">Review: {r.reviewReasons.join('; ')}</div>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
