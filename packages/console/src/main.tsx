/**
 * The console's entry point. It runs in the browser and talks to the server only through the
 * HTTP API of the same origin.
 *
 * MUST: no inline script or style, no external font, CDN or analytics (the server's CSP forbids them).
 *       Mantine's provider therefore injects no <style>: its variables and classes are static files
 *       (@mantine/core/styles.css and mantine-static.css), see ADR 0009.
 * The session check (and a clinician's ward board) were started before this ran: boot.ts.
 * MUST: import nothing from the server or the device SDK (a package boundary is a trust boundary).
 */
import '@mantine/core/styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { ThemeProvider } from './theme';
import './mantine-static.css';
import './styles.css';

const container = document.getElementById('root');
if (container === null) throw new Error('index.html has no #root element');

createRoot(container).render(
  <StrictMode>
    <ThemeProvider>
      <App />
    </ThemeProvider>
  </StrictMode>,
);
