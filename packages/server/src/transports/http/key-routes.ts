/**
 * POST /api/v1/keys/kek/rotate: the running server rotates its KEK and re-wraps everything sealed
 * under older KEKs (composition/key-rotation.ts), without a restart (issue 11). Under change
 * control (issue 14) the rotation runs only as the application of an approved key-rotation
 * change, so a direct call is refused with COMPLIANCE_CHANGE_REQUIRED (POST /api/v1/changes).
 *
 * MUST: platform admins only (keys:rotate); the rotation and each table's re-wrap are audited.
 * MUST: the answer names key ids and counts only, never key material.
 */
import Type from 'typebox';
import type { RequestContext } from '../../kernel/index.js';
import type { HttpRoutes } from './http-server.js';
import { requestContext } from './route-permissions.js';

export interface KeyRotationReportBody {
  readonly previousKekId: string;
  readonly kekId: string;
  readonly rewrapped: Readonly<Record<string, number>>;
  readonly passes: number;
  readonly remaining: number;
}

export interface KeyRoutesDeps {
  readonly rotateKek: (ctx: RequestContext) => Promise<KeyRotationReportBody>;
}

const KeyId = Type.String({ pattern: '^kek-[0-9a-f]{16}$' });

export function keyRoutes(deps: KeyRoutesDeps): HttpRoutes {
  return async (app) => {
    app.post(
      '/api/v1/keys/kek/rotate',
      {
        config: { permission: 'keys:rotate' },
        schema: {
          summary: 'Rotate the key-encryption key online and re-wrap everything sealed (patient fields, TOTP and channel secrets, vitals data keys, alert values). Refused (COMPLIANCE_CHANGE_REQUIRED) outside an approved key-rotation change: request one with POST /api/v1/changes; its approval rotates.',
          tags: ['keys'],
          response: {
            200: Type.Object(
              {
                previousKekId: KeyId,
                kekId: KeyId,
                rewrapped: Type.Record(Type.String({ maxLength: 80 }), Type.Integer({ minimum: 0 })),
                passes: Type.Integer({ minimum: 1 }),
                remaining: Type.Integer({ minimum: 0 }),
              },
              { additionalProperties: false },
            ),
          },
        },
      },
      async (request) => {
        const r = await deps.rotateKek(requestContext(request));
        return { previousKekId: r.previousKekId, kekId: r.kekId, rewrapped: r.rewrapped, passes: r.passes, remaining: r.remaining };
      },
    );
  };
}
