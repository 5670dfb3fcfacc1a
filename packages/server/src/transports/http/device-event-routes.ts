/**
 * GET /api/v1/devices/:id/events?before=&limit=   devices:read   a device's events (alarms, faults), newest first, paginated.
 *
 * MUST: another organization's device is 404 (the service checks); answers are allowlists.
 */
import { DEVICE_EVENT_KINDS, DEVICE_EVENT_SEVERITIES, type DeviceEventKind, type DeviceEventSeverity } from '@vigil/protocol';
import Type from 'typebox';
import { MAX_DEVICE_EVENT_PAGE, type DeviceEventService } from '../../devices/index.js';
import type { HttpRoutes } from './http-server.js';
import { requestContext } from './route-permissions.js';

const closed = { additionalProperties: false } as const;

const EventBody = Type.Object(
  {
    id: Type.String(),
    occurredAt: Type.String(),
    receivedAt: Type.String(),
    kind: Type.Unsafe<DeviceEventKind>({ type: 'string', enum: [...DEVICE_EVENT_KINDS] }),
    code: Type.String(),
    severity: Type.Unsafe<DeviceEventSeverity>({ type: 'string', enum: [...DEVICE_EVENT_SEVERITIES] }),
  },
  closed,
);

export function deviceEventRoutes(deps: { readonly deviceEvents: DeviceEventService }): HttpRoutes {
  return async (app) => {
    app.get(
      '/api/v1/devices/:id/events',
      {
        config: { permission: 'devices:read' },
        schema: {
          summary: "A device's events (alarms, faults, notices) reported on its MQTT events topic, newest first; `next` is the cursor of the following page.",
          tags: ['devices'],
          params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, closed),
          querystring: Type.Object({ before: Type.Optional(Type.String({ maxLength: 200 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_DEVICE_EVENT_PAGE })) }, closed),
          response: { 200: Type.Object({ events: Type.Array(EventBody), next: Type.Union([Type.String(), Type.Null()]) }, closed) },
        },
      },
      async (request) => {
        const page = await deps.deviceEvents.list(requestContext(request), request.params.id, request.query);
        return { events: page.events.map((e) => ({ id: e.id, occurredAt: e.ts, receivedAt: e.receivedAt, kind: e.kind, code: e.code, severity: e.severity })), next: page.next };
      },
    );
  };
}
