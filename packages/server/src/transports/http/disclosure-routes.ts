/**
 * HTTP routes of the accounting of disclosures (HIPAA §164.528), disclosures module.
 *
 *   POST /api/v1/patients/:id/disclosures/records             disclosures:record    record a disclosure to an outside party
 *   GET  /api/v1/patients/:id/disclosures/records             patients:disclosures  recorded disclosures (six years; suspended ones too), searched, sorted, paged
 *   GET  /api/v1/patients/:id/disclosures/accounting?format=  patients:disclosures  the accounting for the individual (JSON or printable HTML)
 *   POST /api/v1/patients/:id/disclosures/suspensions         disclosures:suspend   an agency's suspension (§164.528(a)(2))
 *   GET  /api/v1/patients/:id/disclosures/suspensions         patients:disclosures  the patient's suspensions
 *
 * The per-patient access log (a use log) stays at GET /api/v1/patients/:id/disclosures.
 * MUST: the service applies the PHI rule and audits; bodies are closed schemas, answers allowlists.
 * MUST: the HTML page is served with its own strict CSP (no script, inline style only), no-store.
 */
import Type from 'typebox';
import { ACCOUNTABLE_PURPOSES, accountingHtml, DISCLOSURE_SORT, EXCLUSIONS, MAX_ADDRESS, MAX_NAME, MAX_TEXT, STATEMENT_KINDS, type AccountablePurpose, type DisclosureService, type StatementKind } from '../../disclosures/index.js';
import type { HttpRoutes } from './http-server.js';
import { listPageQuery, NextCursor } from './list-query.js';
import { requestContext } from './route-permissions.js';

export interface DisclosureRoutesDeps {
  readonly disclosures: DisclosureService;
}

const closed = { additionalProperties: false } as const;
const Iso = Type.String({ format: 'date-time', maxLength: 40 });
const Params = Type.Object({ id: Type.String({ format: 'uuid', maxLength: 36 }) }, closed);
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const Purpose = Type.Unsafe<AccountablePurpose>({ type: 'string', enum: Object.keys(ACCOUNTABLE_PURPOSES) });
const Kind = Type.Unsafe<StatementKind>({ type: 'string', enum: [...STATEMENT_KINDS] });

const RecordBody = Type.Object(
  {
    disclosedAt: Iso,
    recipientName: Type.String({ minLength: 1, maxLength: MAX_NAME }),
    recipientAddress: Type.Optional(Nullable(Type.String({ maxLength: MAX_ADDRESS }))),
    description: Type.String({ minLength: 1, maxLength: MAX_TEXT }),
    // Any accountable purpose, or an excluded one: the service refuses the latter, naming it.
    purpose: Type.String({ enum: [...Object.keys(ACCOUNTABLE_PURPOSES), ...Object.keys(EXCLUSIONS)] }),
    purposeStatement: Type.String({ minLength: 1, maxLength: MAX_TEXT }),
  },
  { ...closed, description: 'A disclosure of PHI to an outside party (§164.528(b)(2)).' },
);
const DisclosureBody = Type.Object(
  {
    id: Type.String(),
    patientId: Type.String(),
    disclosedAt: Type.String(),
    recipientName: Type.String(),
    recipientAddress: Nullable(Type.String()),
    description: Type.String(),
    purpose: Purpose,
    purposeStatement: Type.String(),
    recordedAt: Type.String(),
    recordedBy: Type.String(),
  },
  closed,
);
const EntryBody = Type.Object(
  {
    disclosedAt: Type.String(),
    recipientName: Type.String(),
    recipientAddress: Nullable(Type.String()),
    description: Type.String(),
    purpose: Purpose,
    purposeText: Type.String(),
    purposeStatement: Type.String(),
    summary: Nullable(Type.Object({ count: Type.Integer(), firstAt: Type.String(), lastAt: Type.String() }, closed)),
  },
  closed,
);
const AccountingBody = Type.Object(
  { patientId: Type.String(), generatedAt: Type.String(), from: Type.String(), to: Type.String(), entries: Type.Array(EntryBody), totalDisclosures: Type.Integer() },
  closed,
);
const AccountingQuery = Type.Object(
  { from: Type.Optional(Iso), summarize: Type.Optional(Type.Boolean()), format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('html')])) },
  closed,
);
const SuspensionInputBody = Type.Object(
  {
    agency: Type.String({ minLength: 1, maxLength: MAX_NAME }),
    official: Type.Optional(Nullable(Type.String({ maxLength: MAX_NAME }))),
    statementKind: Kind,
    statement: Type.String({ minLength: 1, maxLength: MAX_TEXT }),
    endsAt: Iso,
  },
  closed,
);
const SuspensionBody = Type.Object(
  {
    id: Type.String(),
    patientId: Type.String(),
    agency: Type.String(),
    official: Nullable(Type.String()),
    statementKind: Kind,
    statement: Type.String(),
    startsAt: Type.String(),
    endsAt: Type.String(),
    recordedAt: Type.String(),
    recordedBy: Type.String(),
  },
  closed,
);

const RecordsQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: "Part of the recipient's name, the description or the purpose statement (case-insensitive)." })),
    purpose: Type.Optional(Purpose),
    ...listPageQuery(DISCLOSURE_SORT),
  },
  closed,
);

/** The HTML page's own policy: nothing loads, nothing runs; inline style for print. */
const HTML_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** The organization is the caller's own: answers leave it out. */
function withoutOrg<T extends { readonly orgId: string }>(value: T): Omit<T, 'orgId'> {
  const { orgId, ...rest } = value;
  void orgId;
  return rest;
}

export function disclosureRoutes(deps: DisclosureRoutesDeps): HttpRoutes {
  return async (app) => {
    const tags = ['disclosures'];
    app.post(
      '/api/v1/patients/:id/disclosures/records',
      {
        config: { permission: 'disclosures:record' },
        schema: {
          summary: "Record a disclosure of the patient's PHI to an outside party (HIPAA §164.528); a purpose §164.528(a)(1) excludes is refused (422, naming the exclusion). Training and a care relationship (or patients:disclosures) required; audited.",
          tags,
          params: Params,
          body: RecordBody,
          response: { 201: DisclosureBody },
        },
      },
      async (request, reply) => {
        return reply.code(201).send(withoutOrg(await deps.disclosures.record(requestContext(request), request.params.id, request.body)));
      },
    );
    app.get(
      '/api/v1/patients/:id/disclosures/records',
      {
        config: { permission: 'patients:disclosures' },
        schema: {
          summary:
            'The recorded disclosures of the patient in the six years before now, suspended ones included (the staff view): search, purpose filter, sort and cursor paging (docs/lists.md); audited.',
          tags,
          params: Params,
          querystring: RecordsQuery,
          response: { 200: Type.Object({ disclosures: Type.Array(DisclosureBody), nextCursor: NextCursor }, closed) },
        },
      },
      async (request) => {
        const { q, purpose, ...paging } = request.query;
        const page = await deps.disclosures.listPage(requestContext(request), request.params.id, { q, purpose }, paging);
        return { disclosures: page.items.map(withoutOrg), nextCursor: page.nextCursor };
      },
    );
    app.get(
      '/api/v1/patients/:id/disclosures/accounting',
      {
        config: { permission: 'patients:disclosures' },
        schema: {
          summary: 'The accounting of disclosures the individual may request (HIPAA §164.528): up to six years, repeated disclosures summarized, suspended ones hidden; JSON or a printable HTML page; audited.',
          tags,
          params: Params,
          querystring: AccountingQuery,
          response: { 200: AccountingBody },
        },
      },
      async (request, reply) => {
        const accounting = await deps.disclosures.accounting(requestContext(request), request.params.id, { from: request.query.from, summarize: request.query.summarize });
        if (request.query.format === 'html') {
          return reply
            .header('content-type', 'text/html; charset=utf-8')
            .header('content-security-policy', HTML_CSP)
            .serializer((payload) => payload as string)
            // The HTML page is the documented alternative to the JSON schema (format=html).
            .send(accountingHtml(accounting) as never);
        }
        return { ...accounting, entries: accounting.entries.map((e) => ({ ...e, summary: e.summary === null ? null : { ...e.summary } })) };
      },
    );
    app.post(
      '/api/v1/patients/:id/disclosures/suspensions',
      {
        config: { permission: 'disclosures:suspend' },
        schema: {
          summary: "Record a health oversight agency's or law-enforcement official's suspension of the patient's accounting (HIPAA §164.528(a)(2)); an oral statement lasts at most 30 days; audited.",
          tags,
          params: Params,
          body: SuspensionInputBody,
          response: { 201: SuspensionBody },
        },
      },
      async (request, reply) => {
        return reply.code(201).send(withoutOrg(await deps.disclosures.suspend(requestContext(request), request.params.id, request.body)));
      },
    );
    app.get(
      '/api/v1/patients/:id/disclosures/suspensions',
      {
        config: { permission: 'patients:disclosures' },
        schema: { summary: "The patient's accounting suspensions, newest first; audited.", tags, params: Params, response: { 200: Type.Object({ suspensions: Type.Array(SuspensionBody) }, closed) } },
      },
      async (request) => {
        const list = await deps.disclosures.suspensions(requestContext(request), request.params.id);
        return { suspensions: list.map(withoutOrg) };
      },
    );
  };
}
