// Vite build of the Vigil console. The server serves `dist/` at `/` under a strict CSP
// (script-src 'self'; no inline script or style), so the build must emit files only.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const BOOT = fileURLToPath(new URL('./src/boot.ts', import.meta.url));

/**
 * src/boot.ts is its own small entry, loaded by index.html before the main bundle: it starts the
 * session check (and, for the ward board, the board's request) while the browser still downloads
 * the console's scripts (issue 16: first render under 1 s). The main bundle imports the same
 * module, so both share one instance. It is `async` (it runs as soon as it has arrived, not after
 * the style sheet and the end of parsing as a deferred script would) with `fetchpriority="high"`
 * (an async script is otherwise fetched at low priority, after the bundle). (Vite folds every <script> of index.html into one entry, so
 * the tag is added here, after the bundle has its hashed name.) The two share answers through
 * early-answers.ts, not by importing each other: an import would fold the console into boot's chunk.
 */
function bootFirst(): Plugin {
  return {
    name: 'vigil-boot-first',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, context) {
        const chunk = Object.values(context.bundle ?? {}).find((file) => file.type === 'chunk' && file.isEntry && file.facadeModuleId === BOOT);
        if (chunk === undefined) throw new Error('vigil-boot-first: no boot chunk in the bundle');
        return [{ tag: 'script', attrs: { type: 'module', async: true, fetchpriority: 'high', crossorigin: true, src: `/${chunk.fileName}` }, injectTo: 'head-prepend' }];
      },
    },
  };
}

/**
 * The first screen's modules (those the main entry imports statically), in one chunk. Rolldown's
 * `$initial` tag follows what is actually used through a package's index: a Mantine component
 * that only a page loaded on use needs stays out of it (walking `importers` did not: every
 * component of @mantine/core is imported by its index, so all of those the console uses anywhere
 * landed in the first chunk, about 85 KB more to parse before the first render).
 */
const notBoot = (id: string): boolean => id !== BOOT;

export default defineConfig({
  base: '/',
  plugins: [react(), bootFirst()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    // No data: URIs: every asset is a file under /assets, allowed by 'self'.
    assetsInlineLimit: 0,
    // Every browser we support has modulepreload; the polyfill is dead weight.
    modulePreload: { polyfill: false },
    rollupOptions: {
      input: { index: fileURLToPath(new URL('./index.html', import.meta.url)), boot: BOOT },
      output: {
        // The first screen in as few files as possible: the console's server speaks HTTP/1.1, and
        // a browser opens 6 connections to it; with seven files at once the session check (and
        // the ward board's request behind it) queued behind the scripts. Every module the entry
        // imports statically (React, the router, the shell, Mantine's parts the shell and the
        // first pages use) goes in one chunk; pages loaded on use stay apart.
        codeSplitting: { groups: [{ name: 'app', tags: ['$initial'], test: notBoot }] },
      },
    },
  },
});
