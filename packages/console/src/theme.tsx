/**
 * The console's Mantine provider: the colour scheme follows the system setting
 * (`defaultColorScheme="auto"`: a dark system gives the dark theme, and it changes live).
 *
 * MUST: withCssVariables={false} and withGlobalClasses={false}: the provider would otherwise add a
 *       <style> element, which the server's CSP (`style-src 'self'`) refuses. The variables are the
 *       defaults in @mantine/core/styles.css, so the theme MUST stay Mantine's default (a theme
 *       override here would not reach the CSS; put colours in styles.css instead).
 */
import { MantineProvider } from '@mantine/core';
import type { ReactNode } from 'react';

export function ThemeProvider({ children }: { readonly children: ReactNode }) {
  return (
    <MantineProvider defaultColorScheme="auto" withCssVariables={false} withGlobalClasses={false}>
      {children}
    </MantineProvider>
  );
}
