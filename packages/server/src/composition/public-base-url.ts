/**
 * The URL clients reach the server at, for links in responses (FHIR Bundles, CapabilityStatement).
 * MUST: built from configuration only (`http.publicBaseUrl`, else the listener's host and port),
 *       never from a request's Host or X-Forwarded-Host header (issue 11: `Host: evil.example`
 *       appeared in `link.self`).
 */
import { isIP } from 'node:net';
import type { Config } from '../config/index.js';

export function defaultPublicBaseUrl(config: Config, port: number): string {
  const configured = config.http.publicBaseUrl;
  if (configured !== undefined) return configured.replace(/\/+$/, '');
  // A wildcard bind address is no address a client can use: say localhost.
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  return `https://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}
