/**
 * The FHIR R4 read API under /fhir/R4 (https://hl7.org/fhir/R4/http.html):
 *
 *   GET /fhir/R4/metadata              public     -> CapabilityStatement
 *   GET /fhir/R4/Patient/:id           fhir:read  -> Patient (PHI rule, audited by PatientService)
 *   GET /fhir/R4/Patient?_id|identifier&_count    -> searchset Bundle
 *   GET /fhir/R4/Device/:id            fhir:read  -> Device (also needs devices:read)
 *   GET /fhir/R4/Device?patient=&_count           -> searchset Bundle (PHI rule on the patient)
 *   GET /fhir/R4/Observation/:id       fhir:read  -> Observation (vital-signs profile)
 *   GET /fhir/R4/Observation?patient=&code=&date=&_count=&_sort=&_cursor=  -> searchset Bundle
 *
 * MUST: every answer is application/fhir+json; every error is an OperationOutcome (this plugin's
 *       own error and not-found handlers), with the catalogue's public message only.
 * MUST: a patient of another tenant, or without a care relationship, answers 404 (never 403).
 * MUST: handlers only translate: the services and sources authorize and audit; the resources
 *       are built by fhir/ mapping functions from allowlisted fields.
 * MUST: searches refuse unknown parameters (fhir/search-params.ts) rather than ignore them.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { DeviceService } from '../../../devices/index.js';
import {
  capabilityStatement,
  FHIR_ID_RE,
  FHIR_MEDIA_TYPE,
  MRN_SYSTEM,
  onlyParams,
  operationOutcome,
  parseCodes,
  parseCount,
  parseDateRange,
  parsePatientRef,
  parseSort,
  searchBundle,
  single,
  toDeviceResource,
  toPatientResource,
  values,
  type BundleLink,
  type ObservationSource,
  type PatientDeviceSource,
  type PatientResource,
  type RawQuery,
  type Resource,
} from '../../../fhir/index.js';
import { AppError, isAppError, type Clock, type ErrorCode, type RequestContext } from '../../../kernel/index.js';
import { normalizeMrn, type PatientService } from '../../../patients/index.js';
import { toHttpAppError } from '../error-mapping.js';
import type { HttpRoutes } from '../http-server.js';
import { REQUEST_ID_HEADER } from '../request-id.js';
import { PUBLIC, requestContext } from '../route-permissions.js';

export const FHIR_BASE_PATH = '/fhir/R4';

export interface FhirRoutesDeps {
  readonly patients: PatientService;
  readonly devices: DeviceService;
  readonly observations: ObservationSource;
  readonly patientDevices: PatientDeviceSource;
  readonly clock: Clock;
  readonly softwareVersion: string;
  /**
   * The public URL of the server (config `http.publicBaseUrl`, or https://<host>:<port>), without
   * a trailing slash: links are built on it, never on the request's Host header (a client-chosen
   * Host would otherwise land in `link.self`).
   */
  readonly publicBaseUrl: () => string;
}

/** Errors that mean "no such resource for you" on the FHIR API: one 404, whatever the reason. */
const NOT_FOUND_CODES: readonly ErrorCode[] = ['NOT_FOUND', 'PATIENTS_NOT_FOUND', 'PATIENTS_CARE_RELATIONSHIP_REQUIRED', 'DEVICE_NOT_FOUND', 'FHIR_RESOURCE_NOT_FOUND'];

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });

function sendFhir(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).header('content-type', `${FHIR_MEDIA_TYPE}; charset=utf-8`).send(JSON.stringify(body));
}

/** Sends any error as an OperationOutcome, logged as the JSON API's sendError does. */
export function sendOperationOutcome(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  let appError = toHttpAppError(error);
  if (NOT_FOUND_CODES.includes(appError.code)) appError = new AppError('FHIR_RESOURCE_NOT_FOUND', { cause: error });
  const status = appError.status;
  if (status >= 500) request.log.error({ err: error, code: appError.code }, 'fhir request failed');
  else request.log.info({ code: appError.code, status, ...(isAppError(error) && error.code !== appError.code ? { cause: error.code } : {}) }, 'fhir request rejected');
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="vigil"');
  reply.header(REQUEST_ID_HEADER, request.id).header('cache-control', 'no-store');
  return sendFhir(reply, status, operationOutcome(status, appError.publicMessage));
}


function queryOf(request: FastifyRequest): RawQuery {
  return request.query as RawQuery;
}

/** A search URL: the type's base and its parameters (cursor replaced), in a stable order. */
function searchUrl(base: string, type: string, query: RawQuery, cursor?: string): string {
  const params = new URLSearchParams();
  for (const name of Object.keys(query).sort()) {
    if (name === '_cursor') continue;
    for (const v of values(query, name)) params.append(name, v);
  }
  if (cursor !== undefined) params.append('_cursor', cursor);
  const text = params.toString();
  return `${base}/${type}${text.length > 0 ? `?${text}` : ''}`;
}

/** Offset cursors of the small Patient and Device searches: "o" + offset. */
function parseOffset(query: RawQuery): number {
  const text = single(query, '_cursor');
  if (text === undefined) return 0;
  const m = /^o(\d{1,6})$/.exec(text);
  if (!m) throw new AppError('FHIR_SEARCH_INVALID', { publicMessage: 'The paging cursor is not valid.' });
  return Number(m[1]);
}

function offsetLinks(base: string, type: string, query: RawQuery, offset: number, count: number, total: number): BundleLink[] {
  const links: BundleLink[] = [{ relation: 'self', url: searchUrl(base, type, query, offset > 0 ? `o${offset}` : undefined) }];
  if (offset + count < total) links.push({ relation: 'next', url: searchUrl(base, type, query, `o${offset + count}`) });
  if (offset > 0) links.push({ relation: 'previous', url: searchUrl(base, type, query, `o${Math.max(0, offset - count)}`) });
  return links;
}

/** Opens a patient for a search: a refusal that means "not yours" leaves the patient out. */
async function openForSearch(patients: PatientService, ctx: RequestContext, id: string): Promise<PatientResource | undefined> {
  try {
    return toPatientResource(await patients.get(ctx, id));
  } catch (error) {
    if (isAppError(error) && NOT_FOUND_CODES.includes(error.code)) return undefined;
    throw error;
  }
}

export function fhirRoutes(deps: FhirRoutesDeps): HttpRoutes {
  const now = () => deps.clock.now().toISOString();
  const baseUrl = (_request: FastifyRequest): string => `${deps.publicBaseUrl().replace(/\/+$/, '')}${FHIR_BASE_PATH}`;
  const bundle = (request: FastifyRequest, reply: FastifyReply, resources: readonly Resource[], links: readonly BundleLink[]) =>
    sendFhir(reply, 200, searchBundle(baseUrl(request), resources, links, now()));

  return async (root) => {
    await root.register(
      async (inner) => {
        const app = inner.withTypeProvider<TypeBoxTypeProvider>();
        app.setErrorHandler((error, request, reply) => sendOperationOutcome(error, request, reply));
        app.setNotFoundHandler((request, reply) => sendOperationOutcome(new AppError('FHIR_RESOURCE_NOT_FOUND'), request, reply));
        const tags = ['fhir'];
        // The console's GET /* would otherwise take unknown FHIR paths (and answer the JSON API's 404).
        app.get('/*', { config: { permission: PUBLIC }, schema: { hide: true } }, async (request, reply) =>
          sendOperationOutcome(new AppError('FHIR_RESOURCE_NOT_FOUND'), request, reply),
        );
        const search = { config: { permission: 'fhir:read' }, schema: { tags } } as const;

        app.get('/metadata', { config: { permission: PUBLIC }, schema: { summary: 'FHIR CapabilityStatement.', tags } }, async (request, reply) =>
          sendFhir(reply, 200, capabilityStatement({ baseUrl: baseUrl(request), softwareVersion: deps.softwareVersion, date: now() })),
        );

        app.get('/Patient/:id', { config: { permission: 'fhir:read' }, schema: { tags, params: IdParams } }, async (request, reply) => {
          const { id } = request.params;
          if (!FHIR_ID_RE.test(id)) throw new AppError('FHIR_RESOURCE_NOT_FOUND');
          return sendFhir(reply, 200, toPatientResource(await deps.patients.get(requestContext(request), id)));
        });

        app.get('/Patient', search, async (request, reply) => {
          const query = queryOf(request);
          onlyParams(query, ['_id', 'identifier', '_count', '_cursor']);
          const count = parseCount(query);
          const offset = parseOffset(query);
          const ctx = requestContext(request);
          const id = single(query, '_id');
          const identifier = single(query, 'identifier');
          let ids: string[];
          if (id !== undefined) {
            ids = FHIR_ID_RE.test(id) ? [id] : [];
          } else {
            let wanted: string | undefined;
            if (identifier !== undefined) {
              const bar = identifier.indexOf('|');
              const system = bar < 0 ? '' : identifier.slice(0, bar);
              if (system !== '' && system !== MRN_SYSTEM) throw new AppError('FHIR_SEARCH_INVALID', { publicMessage: `identifier system must be ${MRN_SYSTEM}.` });
              wanted = normalizeMrn(bar < 0 ? identifier : identifier.slice(bar + 1));
            }
            const summaries = await deps.patients.list(ctx);
            ids = summaries.filter((p) => wanted === undefined || normalizeMrn(p.mrn) === wanted).map((p) => p.id);
          }
          const found: PatientResource[] = [];
          let index = offset;
          // Patients the caller may list but not open (e.g. an org-admin's directory) are left out.
          for (; index < ids.length && found.length < count; index++) {
            const resource = await openForSearch(deps.patients, ctx, ids[index] as string);
            if (resource) found.push(resource);
          }
          const base = baseUrl(request);
          const links: BundleLink[] = [{ relation: 'self', url: searchUrl(base, 'Patient', query, offset > 0 ? `o${offset}` : undefined) }];
          if (index < ids.length) links.push({ relation: 'next', url: searchUrl(base, 'Patient', query, `o${index}`) });
          if (offset > 0) links.push({ relation: 'previous', url: searchUrl(base, 'Patient', query, `o${Math.max(0, offset - count)}`) });
          return bundle(request, reply, found, links);
        });

        app.get('/Device/:id', { config: { permission: 'fhir:read' }, schema: { tags, params: IdParams } }, async (request, reply) => {
          const { id } = request.params;
          if (!FHIR_ID_RE.test(id)) throw new AppError('FHIR_RESOURCE_NOT_FOUND');
          return sendFhir(reply, 200, toDeviceResource(await deps.devices.get(requestContext(request), { deviceId: id })));
        });

        app.get('/Device', search, async (request, reply) => {
          const query = queryOf(request);
          onlyParams(query, ['patient', '_count', '_cursor']);
          const patient = single(query, 'patient');
          if (patient === undefined) throw new AppError('FHIR_SEARCH_INVALID', { publicMessage: 'Device search needs the patient parameter.' });
          const count = parseCount(query);
          const offset = parseOffset(query);
          const all = await deps.patientDevices.devicesOf(requestContext(request), parsePatientRef(patient), offset + count + 1);
          const page = all.slice(offset, offset + count);
          return bundle(request, reply, page, offsetLinks(baseUrl(request), 'Device', query, offset, count, all.length));
        });

        app.get('/Observation/:id', { config: { permission: 'fhir:read' }, schema: { tags, params: IdParams } }, async (request, reply) =>
          sendFhir(reply, 200, await deps.observations.read(requestContext(request), request.params.id)),
        );

        app.get('/Observation', search, async (request, reply) => {
          const query = queryOf(request);
          onlyParams(query, ['patient', 'code', 'date', '_count', '_sort', '_cursor']);
          const patient = single(query, 'patient');
          if (patient === undefined) throw new AppError('FHIR_SEARCH_INVALID', { publicMessage: 'Observation search needs the patient parameter.' });
          const codes = parseCodes(query);
          const cursor = single(query, '_cursor');
          const page = await deps.observations.search(requestContext(request), {
            patientId: parsePatientRef(patient),
            ...(codes ? { codes } : {}),
            ...parseDateRange(query),
            count: parseCount(query),
            sort: parseSort(query),
            ...(cursor !== undefined ? { cursor } : {}),
          });
          const base = baseUrl(request);
          const links: BundleLink[] = [{ relation: 'self', url: searchUrl(base, 'Observation', query, cursor) }];
          if (page.next !== undefined) links.push({ relation: 'next', url: searchUrl(base, 'Observation', query, page.next) });
          if (page.previous !== undefined) links.push({ relation: 'previous', url: searchUrl(base, 'Observation', query, page.previous) });
          return bundle(request, reply, page.observations, links);
        });
      },
      { prefix: FHIR_BASE_PATH },
    );
  };
}
