/** Request and response schemas of the identity routes (response schemas are allowlists). */
import { Type } from 'typebox';
import { ROLES } from '../../kernel/index.js';

const closed = { additionalProperties: false } as const;

/** The roles a session or user carries: the catalogue's names (an allowlist; the console's Role is derived from it). */
const Roles = Type.Array(Type.Enum(ROLES), { maxItems: ROLES.length });
const Time = Type.String();

export const SessionViewSchema = Type.Object(
  {
    user: Type.Object({ id: Type.String(), username: Type.String(), displayName: Type.String(), orgId: Type.String(), roles: Roles }, closed),
    state: Type.Union([Type.Literal('authenticated'), Type.Literal('mfa-required'), Type.Literal('mfa-enrollment-required'), Type.Literal('password-change-required')]),
    mfa: Type.Boolean(),
    mfaMethods: Type.Array(Type.Union([Type.Literal('totp'), Type.Literal('webauthn')])),
    idleExpiresAt: Time,
    absoluteExpiresAt: Time,
    csrfToken: Type.String(),
  },
  closed,
);

export const StateAndSession = Type.Object(
  { state: SessionViewSchema.properties.state, session: SessionViewSchema, token: Type.Optional(Type.String()) },
  closed,
);

export const UserViewSchema = Type.Object(
  {
    id: Type.String(),
    username: Type.String(),
    displayName: Type.String(),
    orgId: Type.String(),
    roles: Roles,
    status: Type.Union([Type.Literal('active'), Type.Literal('disabled'), Type.Literal('locked')]),
    mfaEnrolled: Type.Boolean(),
    passwordExpiresAt: Type.Union([Time, Type.Null()]),
    lastLoginAt: Type.Union([Time, Type.Null()]),
  },
  closed,
);

export const OrganizationSchema = Type.Object({ id: Type.String(), name: Type.String(), createdAt: Time }, closed);

export const Username = Type.String({ minLength: 1, maxLength: 128 });
/** Long enough for any policy (256 code points can be 1024 bytes of UTF-8). */
export const Password = Type.String({ minLength: 1, maxLength: 1024 });
export const DisplayName = Type.String({ minLength: 1, maxLength: 200 });
export const OrgName = Type.String({ minLength: 1, maxLength: 200 });
export const Code = Type.String({ minLength: 1, maxLength: 32 });
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, closed);
export const RolesBody = Type.Array(Type.String({ maxLength: 40 }), { maxItems: ROLES.length });
/** A WebAuthn response JSON: its shape is checked by @simplewebauthn/server. */
export const WebauthnResponse = Type.Object({ response: Type.Object({}, { additionalProperties: true }) }, closed);
export const AnyJson = Type.Object({}, { additionalProperties: true });
