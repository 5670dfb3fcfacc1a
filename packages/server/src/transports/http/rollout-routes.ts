/**
 * Firmware rollout campaigns: create (request), approve (a second person), pause, resume, abort,
 * rollback, list and status. Requesting and approving need an MFA session (updates/rollout-model.ts).
 * MUST: responses are allowlists (additionalProperties: false); another tenant's campaign is 404.
 */
import Type, { type Static } from 'typebox';
import { WEEKDAYS, type Campaign, type OrgMaintenanceWindowSetting, type RolloutService } from '../../updates/index.js';
import type { HttpRoutes } from './http-server.js';
import { requestContext } from './route-permissions.js';

export interface RolloutRoutesDeps {
  readonly rollouts: RolloutService;
}

const Version = Type.String({ minLength: 5, maxLength: 64 });
const CampaignView = Type.Object(
  {
    id: Type.String(),
    model: Type.String(),
    targetVersion: Type.String(),
    site: Type.Union([Type.String(), Type.Null()], { description: 'Only devices at this site; null: any site.' }),
    status: Type.String(),
    waves: Type.Array(Type.Integer()),
    currentWave: Type.Integer(),
    soakSeconds: Type.Integer(),
    priority: Type.Integer(),
    maxFailureRate: Type.Number(),
    offlineTimeoutSeconds: Type.Integer(),
    haltOnSecurityAlert: Type.Boolean(),
    clinicalGapSeconds: Type.Integer({ description: 'Halt when an updated device bound to a patient sends no reading for this long; 0: off.' }),
    maxRetries: Type.Integer(),
    maintenanceWindowUtc: Type.Union([Type.Object({ startHour: Type.Integer(), endHour: Type.Integer() }, { additionalProperties: false }), Type.Null()]),
    windowOverride: Type.Boolean(),
    startAt: Type.Union([Type.String(), Type.Null()], { description: 'Scheduled start; null: at approval.' }),
    waveStartedAt: Type.Union([Type.String(), Type.Null()]),
    requestedBy: Type.String(),
    approvedBy: Type.Union([Type.String(), Type.Null()]),
    haltReason: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { additionalProperties: false },
);
const WaveView = Type.Object(
  { share: Type.Integer(), devices: Type.Integer(), waiting: Type.Integer(), held: Type.Integer(), sent: Type.Integer(), installed: Type.Integer(), failed: Type.Integer() },
  { additionalProperties: false },
);
const WindowStateView = Type.Object(
  {
    source: Type.Union([Type.Literal('campaign'), Type.Literal('organization'), Type.Literal('override'), Type.Literal('none')]),
    description: Type.Union([Type.String(), Type.Null()]),
    openNow: Type.Boolean(),
    nextOpensAt: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false, description: 'The maintenance window the campaign applies now: devices bound to a patient are held (downloaded, not installed) while it is closed.' },
);
const OrgWindowBody = Type.Object(
  {
    days: Type.Array(Type.Union(WEEKDAYS.map((d) => Type.Literal(d))), { minItems: 1, maxItems: 7 }),
    startHour: Type.Integer({ minimum: 0, maximum: 23 }),
    endHour: Type.Integer({ minimum: 0, maximum: 23 }),
  },
  { additionalProperties: false },
);
const OrgWindowView = Type.Object(
  {
    window: Type.Union([Type.Object({ days: Type.Array(Type.String()), startHour: Type.Integer(), endHour: Type.Integer(), updatedAt: Type.String(), updatedBy: Type.String() }, { additionalProperties: false }), Type.Null()]),
    timeZone: Type.String(),
  },
  { additionalProperties: false },
);

function orgWindowView(w: { readonly window: OrgMaintenanceWindowSetting | null; readonly timeZone: string }): Static<typeof OrgWindowView> {
  return { window: w.window === null ? null : { days: [...w.window.days], startHour: w.window.startHour, endHour: w.window.endHour, updatedAt: w.window.updatedAt, updatedBy: w.window.updatedBy }, timeZone: w.timeZone };
}

const IdParams = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9-]{1,64}$' }) }, { additionalProperties: false });

function view(c: Campaign): Static<typeof CampaignView> {
  return {
    id: c.id,
    model: c.model,
    targetVersion: c.targetVersion,
    site: c.site ?? null,
    status: c.status,
    waves: [...c.waves],
    currentWave: c.currentWave,
    soakSeconds: c.soakSeconds,
    priority: c.priority,
    maxFailureRate: c.gates.maxFailureRate,
    offlineTimeoutSeconds: c.gates.offlineTimeoutSeconds,
    haltOnSecurityAlert: c.gates.haltOnSecurityAlert,
    clinicalGapSeconds: c.gates.clinicalGapSeconds ?? 0,
    maxRetries: c.maxRetries,
    maintenanceWindowUtc: c.maintenanceWindow === null ? null : { startHour: c.maintenanceWindow[0], endHour: c.maintenanceWindow[1] },
    windowOverride: c.windowOverride === true,
    startAt: c.startAt ?? null,
    waveStartedAt: c.waveStartedAt,
    requestedBy: c.requestedBy,
    approvedBy: c.approvedBy,
    haltReason: c.haltReason,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

export function rolloutRoutes(deps: RolloutRoutesDeps): HttpRoutes {
  const { rollouts } = deps;
  return async (app) => {
    app.post(
      '/api/v1/rollouts',
      {
        config: { permission: 'rollouts:request' },
        schema: {
          summary: 'Request a firmware rollout campaign (waits for a second person to approve it).',
          tags: ['rollouts'],
          body: Type.Object(
            {
              model: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' }),
              version: Version,
              fromMin: Type.Optional(Version),
              fromMax: Type.Optional(Version),
              groups: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 32 })),
              site: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', description: "Only devices at this site (the device registry's site code); devices that arrive there later join the campaign." })),
              waves: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 100 }), { minItems: 1, maxItems: 10 })),
              soakSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 30 * 86400 })),
              maxFailureRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
              offlineTimeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 30 * 86400 })),
              clinicalGapSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 7 * 86400, description: 'Clinical telemetry gap gate (default 900 s; 0: off; else at least 60).' })),
              maxRetries: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
              priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
              maintenanceWindowUtc: Type.Optional(Type.Tuple([Type.Integer({ minimum: 0, maximum: 23 }), Type.Integer({ minimum: 0, maximum: 23 })])),
              overrideMaintenanceWindow: Type.Optional(Type.Boolean()),
              startAt: Type.Optional(Type.String({ maxLength: 40, description: 'Scheduled start, ISO 8601 with offset (at most 90 days ahead); approved before it, the campaign sends nothing until then.' })),
            },
            { additionalProperties: false },
          ),
          response: { 201: CampaignView },
        },
      },
      async (request, reply) => {
        const b = request.body;
        const gates = { ...(b.maxFailureRate !== undefined ? { maxFailureRate: b.maxFailureRate } : {}), ...(b.offlineTimeoutSeconds !== undefined ? { offlineTimeoutSeconds: b.offlineTimeoutSeconds } : {}), ...(b.clinicalGapSeconds !== undefined ? { clinicalGapSeconds: b.clinicalGapSeconds } : {}) };
        const campaign = await rollouts.create(requestContext(request), {
          model: b.model,
          version: b.version,
          fromMin: b.fromMin,
          fromMax: b.fromMax,
          groups: b.groups,
          site: b.site,
          waves: b.waves,
          soakSeconds: b.soakSeconds,
          gates,
          maxRetries: b.maxRetries,
          priority: b.priority,
          maintenanceWindow: b.maintenanceWindowUtc,
          overrideMaintenanceWindow: b.overrideMaintenanceWindow,
          startAt: b.startAt,
        });
        return reply.code(201).send(view(campaign));
      },
    );

    app.get(
      '/api/v1/rollouts',
      { config: { permission: 'rollouts:read' }, schema: { summary: 'List rollout campaigns.', tags: ['rollouts'], response: { 200: Type.Object({ rollouts: Type.Array(CampaignView) }, { additionalProperties: false }) } } },
      async (request) => ({ rollouts: (await rollouts.list(requestContext(request))).map(view) }),
    );

    app.get(
      '/api/v1/rollouts/:id',
      {
        config: { permission: 'rollouts:read' },
        schema: { summary: 'A campaign with its waves and the maintenance window it applies now.', tags: ['rollouts'], params: IdParams, response: { 200: Type.Object({ campaign: CampaignView, waves: Type.Array(WaveView), window: WindowStateView }, { additionalProperties: false }) } },
      },
      async (request) => {
        const status = await rollouts.status(requestContext(request), request.params.id);
        return { campaign: view(status.campaign), waves: status.waves.map((w) => ({ ...w })), window: { ...status.window } };
      },
    );

    app.post(
      '/api/v1/rollouts/:id/approve',
      {
        config: { permission: 'rollouts:approve' },
        schema: {
          summary: "Approve another person's campaign (MFA session; a person also confirms with a fresh authenticator code).",
          tags: ['rollouts'],
          params: IdParams,
          body: Type.Optional(Type.Object({ stepUpCode: Type.Optional(Type.String({ pattern: '^[0-9]{6,8}$' })) }, { additionalProperties: false })),
          response: { 200: CampaignView },
        },
      },
      async (request) => view(await rollouts.approve(requestContext(request), request.params.id, undefined, request.body?.stepUpCode)),
    );

    app.get(
      '/api/v1/rollouts/maintenance-window',
      {
        config: { permission: 'rollouts:read' },
        schema: { summary: "The organization's maintenance window for installs on devices bound to a patient (null: none), and its time zone.", tags: ['rollouts'], response: { 200: OrgWindowView } },
      },
      async (request) => orgWindowView(await rollouts.maintenanceWindow(requestContext(request))),
    );

    app.put(
      '/api/v1/rollouts/maintenance-window',
      {
        config: { permission: 'rollouts:approve' },
        schema: {
          summary: "Sets (window null: clears) the organization's maintenance window: days and local hours [start, end) in its time zone, applied to every campaign without a window of its own.",
          tags: ['rollouts'],
          body: Type.Object({ window: Type.Union([OrgWindowBody, Type.Null()]) }, { additionalProperties: false }),
          response: { 200: OrgWindowView },
        },
      },
      async (request) => orgWindowView(await rollouts.setMaintenanceWindow(requestContext(request), request.body.window)),
    );

    for (const [action, permission] of [
      ['pause', 'rollouts:pause'],
      ['resume', 'rollouts:approve'],
      ['abort', 'rollouts:request'],
      ['rollback', 'rollouts:approve'],
    ] as const) {
      app.post(
        `/api/v1/rollouts/:id/${action}`,
        { config: { permission }, schema: { summary: `${action[0]?.toUpperCase() ?? ''}${action.slice(1)} a campaign.`, tags: ['rollouts'], params: IdParams, response: { 200: CampaignView } } },
        async (request) => view(await rollouts[action](requestContext(request), request.params.id)),
      );
    }
  };
}
