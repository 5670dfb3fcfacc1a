// Vite build of the Vigil console. The server serves `dist/` at `/` under a strict CSP
// (script-src 'self'; no inline script or style), so the build must emit files only.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    // No data: URIs: every asset is a file under /assets, allowed by 'self'.
    assetsInlineLimit: 0,
    // Every browser we support has modulepreload; the polyfill is dead weight.
    modulePreload: { polyfill: false },
  },
});
