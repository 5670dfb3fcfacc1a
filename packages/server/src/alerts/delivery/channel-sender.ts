/** One delivery attempt to one channel. Throws on any failure; the retry loop decides what next. */
import type { AlertNotification } from './model.js';

export interface ChannelSender {
  send(notification: AlertNotification): Promise<void>;
}
