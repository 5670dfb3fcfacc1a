/**
 * The main navigation's drawer below 62em (shell.tsx), in a module of its own: the shell loads it
 * when the burger is first pressed, so that Mantine's Drawer (its focus trap, transitions and
 * scroll area) is not parsed before a first screen's render (issue 16: the ward board under 1 s).
 */
import { Drawer } from '@mantine/core';
import type { ReactNode } from 'react';

export function NavigationDrawer({ opened, onClose, children }: { readonly opened: boolean; readonly onClose: () => void; readonly children: ReactNode }) {
  return (
    <Drawer opened={opened} onClose={onClose} title="Vigil" size="18rem" hiddenFrom="md">
      {children}
    </Drawer>
  );
}
