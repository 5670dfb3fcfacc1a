/**
 * The firmware API: image upload (streamed, bounded per model), release publication with its
 * CycloneDX SBOM, release reads, and the per-model policy.
 *
 * MUST: the image upload is application/octet-stream streamed straight into the content-addressed
 *       store; the permission guard (onRequest) runs before a single body byte is read, and the
 *       model's size limit stops the stream (413).
 * MUST: responses are allowlists (additionalProperties: false).
 */
import { Readable } from 'node:stream';
import Type, { type Static } from 'typebox';
import { AppError } from '../../kernel/index.js';
import type { FirmwareRelease, ReleaseService } from '../../updates/index.js';
import type { HttpRoutes } from './http-server.js';
import { requestContext } from './route-permissions.js';

export interface FirmwareRoutesDeps {
  readonly releases: ReleaseService;
}

const Model = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' });
const Version = Type.String({ minLength: 1, maxLength: 64 });
const Date = Type.String({ maxLength: 10 });
const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' });

const ImageView = Type.Object({ sha256: Type.String(), sha512: Type.String(), length: Type.Integer(), model: Type.String() }, { additionalProperties: false });

const ComponentView = Type.Object(
  {
    name: Type.String(),
    version: Type.Union([Type.String(), Type.Null()]),
    purl: Type.Union([Type.String(), Type.Null()]),
    licenses: Type.Array(Type.String()),
    supportLevel: Type.String(),
    endOfSupport: Type.Union([Type.String(), Type.Null()]),
    justification: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);

const ReleaseView = Type.Object(
  {
    id: Type.String(),
    model: Type.String(),
    version: Type.String(),
    minVersion: Type.String(),
    hardwareRevisions: Type.Array(Type.String()),
    notes: Type.String(),
    targetPath: Type.String(),
    sha256: Type.String(),
    sha512: Type.String(),
    length: Type.Integer(),
    supportEndsAt: Type.String(),
    endOfLifeAt: Type.String(),
    sbom: Type.Object(
      { specVersion: Type.String(), serialNumber: Type.Union([Type.String(), Type.Null()]), components: Type.Array(ComponentView) },
      { additionalProperties: false },
    ),
    createdAt: Type.String(),
    createdBy: Type.String(),
  },
  { additionalProperties: false },
);

const PolicyView = Type.Object(
  { model: Type.String(), maxImageBytes: Type.Integer({ minimum: 1 }), requireAttestation: Type.Boolean(), quarantineOnUnknownHash: Type.Boolean() },
  { additionalProperties: false },
);

const ReleaseParams = Type.Object({ model: Model, version: Version }, { additionalProperties: false });

export function firmwareRoutes(deps: FirmwareRoutesDeps): HttpRoutes {
  const { releases } = deps;
  return async (app) => {
    // This plugin only: the body of an image upload reaches the handler as the raw stream.
    app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));

    app.put(
      '/api/v1/firmware/images',
      {
        config: { permission: 'firmware:publish' },
        schema: {
          summary: "Upload a firmware image (streamed, application/octet-stream), bounded by the model's size limit.",
          tags: ['firmware'],
          querystring: Type.Object({ model: Model }, { additionalProperties: false }),
          response: { 201: ImageView },
        },
      },
      async (request, reply) => {
        const body: unknown = request.body;
        if (!(body instanceof Readable)) throw new AppError('UNSUPPORTED_MEDIA_TYPE', { publicMessage: 'Upload the image as application/octet-stream.' });
        const image = await releases.uploadImage(requestContext(request), request.query.model, body);
        return reply.code(201).send({ sha256: image.sha256, sha512: image.sha512, length: image.length, model: image.model });
      },
    );

    app.post(
      '/api/v1/firmware/releases',
      {
        config: { permission: 'firmware:publish' },
        schema: {
          summary: 'Publish a release of an uploaded image: metadata, support dates and a CycloneDX SBOM (JSON text).',
          tags: ['firmware'],
          body: Type.Object(
            {
              model: Model,
              version: Version,
              minVersion: Type.Optional(Version),
              hardwareRevisions: Type.Array(Type.String({ maxLength: 32 }), { minItems: 1, maxItems: 32 }),
              notes: Type.Optional(Type.String({ maxLength: 8000 })),
              fileName: Type.Optional(Type.String({ maxLength: 128 })),
              sha256: Sha256,
              supportEndsAt: Date,
              endOfLifeAt: Date,
              sbom: Type.String({ minLength: 1, maxLength: 4 * 1024 * 1024 }),
            },
            { additionalProperties: false },
          ),
          response: { 201: ReleaseView },
        },
      },
      async (request, reply) => reply.code(201).send(view(await releases.publish(requestContext(request), request.body))),
    );

    app.get(
      '/api/v1/firmware/releases',
      {
        config: { permission: 'firmware:read' },
        schema: {
          summary: 'List firmware releases, optionally of one model.',
          tags: ['firmware'],
          querystring: Type.Object({ model: Type.Optional(Model) }, { additionalProperties: false }),
          response: { 200: Type.Object({ releases: Type.Array(ReleaseView) }, { additionalProperties: false }) },
        },
      },
      async (request) => ({ releases: (await releases.list(requestContext(request), request.query.model)).map(view) }),
    );

    app.get(
      '/api/v1/firmware/releases/:model/:version',
      {
        config: { permission: 'firmware:read' },
        schema: { summary: 'One firmware release.', tags: ['firmware'], params: ReleaseParams, response: { 200: ReleaseView } },
      },
      async (request) => view(await releases.get(requestContext(request), request.params.model, request.params.version)),
    );

    app.get(
      '/api/v1/firmware/releases/:model/:version/sbom',
      {
        config: { permission: 'firmware:read' },
        schema: { summary: "A release's CycloneDX SBOM, as published.", tags: ['firmware'], params: ReleaseParams },
      },
      async (request, reply) => {
        const text = await releases.sbom(requestContext(request), request.params.model, request.params.version);
        return reply.type('application/vnd.cyclonedx+json').send(text);
      },
    );

    app.put(
      '/api/v1/firmware/models/:model/policy',
      {
        config: { permission: 'firmware:policy' },
        schema: {
          summary: "Set a model's firmware policy.",
          tags: ['firmware'],
          params: Type.Object({ model: Model }, { additionalProperties: false }),
          body: Type.Object(
            { maxImageBytes: Type.Integer({ minimum: 1 }), requireAttestation: Type.Boolean(), quarantineOnUnknownHash: Type.Boolean() },
            { additionalProperties: false },
          ),
          response: { 200: PolicyView },
        },
      },
      async (request) => releases.setPolicy(requestContext(request), { model: request.params.model, ...request.body }),
    );
  };
}

function view(r: FirmwareRelease): Static<typeof ReleaseView> {
  return {
    ...r,
    hardwareRevisions: [...r.hardwareRevisions],
    sbom: { specVersion: r.sbom.specVersion, serialNumber: r.sbom.serialNumber, components: r.sbom.components.map((c) => ({ ...c, licenses: [...c.licenses] })) },
  };
}
