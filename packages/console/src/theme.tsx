/**
 * The console's Mantine provider: the colour scheme follows the system setting
 * (`defaultColorScheme="auto"`: a dark system gives the dark theme, and it changes live).
 *
 * MUST: withCssVariables={false} and withGlobalClasses={false}: the provider would otherwise add a
 *       <style> element, which the server's CSP (`style-src 'self'`) refuses. The variables are the
 *       defaults in @mantine/core/styles.css (contrast overrides in mantine-static.css), so the
 *       theme MUST NOT change colours, sizes or breakpoints here (they would not reach the CSS).
 * MUST: Modal and Drawer never lock the page's scroll through react-remove-scroll: it writes a
 *       <style> element too. The theme turns it off for every modal; styles.css locks the scroll
 *       with a static rule while one is open.
 */
import { createTheme, MantineProvider } from '@mantine/core';
import type { ReactNode } from 'react';

const theme = createTheme({
  // People who ask their system for reduced motion get no transitions (WCAG 2.3.3); the browser
  // tests ask for it too, so that axe never measures an element halfway through a fade.
  respectReducedMotion: true,
  components: {
    // Plain objects, not Modal.extend(): importing Modal here would put it (and its focus trap,
    // transitions, scroll area) in the first chunk, which no first screen shows (issue 16).
    Modal: { defaultProps: { lockScroll: false } },
    Drawer: { defaultProps: { lockScroll: false } },
  },
});

export function ThemeProvider({ children }: { readonly children: ReactNode }) {
  return (
    <MantineProvider theme={theme} defaultColorScheme="auto" withCssVariables={false} withGlobalClasses={false}>
      {children}
    </MantineProvider>
  );
}
