/**
 * The web console: the Vite build output served at `/`, with the single-page-app fallback.
 *
 * MUST: the console is PUBLIC static content only; it holds no data and gets data through the API.
 * MUST: data paths (/api, /fhir, /metrics, probes) never fall back to index.html: an unknown API path
 *       is a JSON 404, not an HTML page.
 * MUST: files are served by @fastify/send from `consoleDir` only (no traversal, dotfiles ignored,
 *       no directory listing).
 * MUST: one request sends at most one file: the SPA fallback is decided before sending (a file
 *       that is not there, on a navigation, answers index.html), never by a second pass through
 *       the 404 handler. Each pass awaited the reply again and added 'close' listeners to the
 *       response: a deep link or any path with `//` reached 11 and printed a
 *       MaxListenersExceededWarning per request (issue 11).
 * Hashed build assets (/assets/*) are cached for a year; index.html is revalidated on every load,
 * so a new deployment takes effect at once.
 */
import { stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../kernel/index.js';
import type { HttpServer } from './http-server-type.js';
import { PUBLIC } from './route-permissions.js';
import { isDataPath, pathOf } from './security-headers.js';

export const CONSOLE_NOT_BUILT_TEXT =
  'Vigil: the web console is not built.\n' +
  'Build it with `npm run build` (packages/console/dist), or point the server at its directory.\n' +
  'The API answers under /api.\n';

const IMMUTABLE_ASSET = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

async function hasIndexHtml(dir: string): Promise<boolean> {
  try {
    return (await stat(join(dir, 'index.html'))).isFile();
  } catch {
    return false;
  }
}

/**
 * Whether `file` (relative, slashes collapsed) names a regular file inside `root` that may be
 * served: no dot segment (dotfiles, `..`), no escape from the root. @fastify/send checks again.
 */
async function isServableFile(root: string, file: string): Promise<boolean> {
  if (file.split('/').some((segment) => segment.startsWith('.'))) return false;
  const path = resolve(root, file);
  if (!path.startsWith(root + sep)) return false;
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** A console deep link: a GET or HEAD outside the data paths whose last segment has no extension. */
function isSpaNavigation(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const path = pathOf(request.url);
  if (isDataPath(path)) return false;
  const last = path.slice(path.lastIndexOf('/') + 1);
  return !last.includes('.');
}

export interface ConsoleRoutes {
  /** Whether a built console was found. */
  readonly built: boolean;
  /**
   * For the 404 handler: answers the SPA fallback (index.html) when the request is a console
   * navigation, and returns false when the caller must answer 404.
   */
  fallback(request: FastifyRequest, reply: FastifyReply): boolean;
}

export async function registerConsole(app: HttpServer, consoleDir: string | undefined): Promise<ConsoleRoutes> {
  const root = consoleDir === undefined ? undefined : resolve(consoleDir);
  const built = root !== undefined && (await hasIndexHtml(root));

  if (!built) {
    app.get('/*', { config: { permission: PUBLIC }, schema: { hide: true } }, async (request, reply) => {
      if (pathOf(request.url) !== '/') throw new AppError('NOT_FOUND');
      return reply.header('cache-control', REVALIDATE).type('text/plain; charset=utf-8').send(CONSOLE_NOT_BUILT_TEXT);
    });
    return { built, fallback: () => false };
  }

  await app.register(fastifyStatic, {
    root,
    serve: false,
    index: false,
    list: false,
    dotfiles: 'ignore',
    cacheControl: false,
    etag: true,
    lastModified: true,
  });

  app.get<{ Params: { '*': string } }>(
    '/*',
    { config: { permission: PUBLIC }, schema: { hide: true } },
    async (request, reply) => {
      if (isDataPath(request.url)) throw new AppError('NOT_FOUND');
      // `//assets/x.js` and `/assets//x.js` name the same file as `/assets/x.js`.
      const file = request.params['*'].replace(/\/{2,}/g, '/').replace(/^\//, '');
      if (file === '' || file === 'index.html') {
        return reply.header('cache-control', REVALIDATE).sendFile('index.html');
      }
      if (await isServableFile(root, file)) {
        reply.header('cache-control', file.startsWith('assets/') ? IMMUTABLE_ASSET : REVALIDATE);
        return reply.sendFile(file);
      }
      if (isSpaNavigation(request)) return reply.header('cache-control', REVALIDATE).sendFile('index.html');
      throw new AppError('NOT_FOUND');
    },
  );

  // Requests that already fell back once: if index.html vanished, the second miss must end in a 404.
  const fellBack = new WeakSet<FastifyRequest>();
  return {
    built,
    fallback(request, reply) {
      if (fellBack.has(request) || !isSpaNavigation(request)) return false;
      fellBack.add(request);
      reply.code(200).header('cache-control', REVALIDATE).sendFile('index.html');
      return true;
    },
  };
}
