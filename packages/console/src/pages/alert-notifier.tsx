/**
 * An opt-in sound and desktop notification for new high-severity clinical alerts, for a clinician
 * who keeps the inbox open in a background tab. Off by default; the choice is kept in this
 * browser (localStorage), not on the server.
 *
 * MUST: nothing is shown or played until the user turns it on (and the browser grants the
 *       Notification permission for the desktop part).
 * MUST: a desktop notification carries no PHI (no patient name or value): it can show on a locked
 *       or shared screen. It names the condition and asks to open Vigil.
 * MUST: an alert notifies once (by id), and only when it arrives open and high.
 */
import { Switch } from '@mantine/core';
import { useCallback, useRef, useSyncExternalStore } from 'react';
import type { ClinicalAlert } from '../api/types';
import { conditionText } from '../clinical';

const KEY = 'vigil.alerts.notify-high';
const listeners = new Set<() => void>();

function enabled(): boolean {
  try {
    return window.localStorage.getItem(KEY) === 'on';
  } catch {
    return false;
  }
}

function setEnabled(on: boolean): void {
  try {
    if (on) window.localStorage.setItem(KEY, 'on');
    else window.localStorage.removeItem(KEY);
  } catch {
    // Storage refused (private mode): the toggle stays off.
  }
  for (const listener of listeners) listener();
}

function useEnabled(): boolean {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    enabled,
    () => false,
  );
}

/** A short two-tone chime made with Web Audio (no sound file to load). */
function chime(): void {
  const Context = window.AudioContext as typeof AudioContext | undefined;
  if (Context === undefined) return;
  const audio = new Context();
  const gain = audio.createGain();
  gain.gain.value = 0.15;
  gain.connect(audio.destination);
  [880, 660].forEach((frequency, i) => {
    const tone = audio.createOscillator();
    tone.frequency.value = frequency;
    tone.connect(gain);
    tone.start(audio.currentTime + i * 0.2);
    tone.stop(audio.currentTime + i * 0.2 + 0.18);
  });
  setTimeout(() => void audio.close(), 1000);
}

export function NotifyToggle() {
  const on = useEnabled();
  const change = async (next: boolean) => {
    if (next && 'Notification' in window && Notification.permission === 'default') await Notification.requestPermission();
    setEnabled(next);
  };
  return (
    <Switch
      label="Sound and desktop notification for new high alerts"
      checked={on}
      onChange={(event) => void change(event.currentTarget.checked)}
      data-testid="notify-high-alerts"
    />
  );
}

/** Returns a handler for live alerts: chimes and notifies for a new open high alert when enabled. */
export function useHighAlertNotifier(): (alert: ClinicalAlert) => void {
  const on = useEnabled();
  const seen = useRef(new Set<string>());
  return useCallback(
    (alert: ClinicalAlert) => {
      if (!on || alert.status !== 'open' || alert.severity !== 'high' || seen.current.has(alert.id)) return;
      seen.current.add(alert.id);
      chime();
      if ('Notification' in window && Notification.permission === 'granted') {
        const note = new Notification('Vigil: new high alert', { body: `${conditionText(alert.metric, alert.comparison, alert.threshold)}. Open Vigil to see the patient.`, tag: alert.id });
        note.onclick = () => window.focus();
      }
    },
    [on],
  );
}
