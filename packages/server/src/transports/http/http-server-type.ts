/** The fastify instance type of the HTTPS transport: node:https underneath, TypeBox schemas on routes. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';

export type HttpServer = FastifyInstance<HttpsServer, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;
