/**
 * Webhook delivery: a JSON POST signed with the channel's shared secret.
 *
 *   X-Vigil-Timestamp: <unix seconds>
 *   X-Vigil-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>
 *
 * Signing the timestamp with the body lets a receiver refuse replays (reject a timestamp older
 * than a few minutes) as well as forgeries; the scheme follows the common practice of Stripe and
 * Slack signing secrets. HMAC is computed by keys/ (ARCHITECTURE §2.7).
 *
 * MUST: https only, unless the channel's explicit `insecure` flag allows http (warned at creation).
 * MUST: redirects are never followed (a 3xx is a failure): a redirect would carry a signed alert
 *       to a host the security officer did not choose.
 * MUST: each attempt has a timeout; only a 2xx answer counts as delivered.
 * MUST: the connection goes only where the TargetPolicy allows, checked on the resolved address
 *       in the socket's lookup (target-policy.ts); no pooled socket is reused across attempts.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createMessageMac } from '../../keys/index.js';
import type { ChannelSender } from './channel-sender.js';
import type { AlertNotification, WebhookConfig, WebhookSecrets } from './model.js';
import type { TargetPolicy } from './target-policy.js';

export const SIGNATURE_HEADER = 'x-vigil-signature';
export const TIMESTAMP_HEADER = 'x-vigil-timestamp';

export function webhookSender(config: WebhookConfig, secrets: WebhookSecrets, now: () => Date, targets: TargetPolicy): ChannelSender {
  const mac = createMessageMac(secrets.secret);
  const url = new URL(config.url);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && config.insecure)) {
    throw new Error(`webhook: protocol ${url.protocol} refused`);
  }
  return {
    send: (notification: AlertNotification) =>
      new Promise<void>((resolve, reject) => {
        targets.checkHost(url.hostname);
        const body = JSON.stringify({ ...notification, sentAt: now().toISOString() });
        const timestamp = String(Math.floor(now().getTime() / 1000));
        const headers = {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'vigil-webhook/1',
          [TIMESTAMP_HEADER]: timestamp,
          [SIGNATURE_HEADER]: `sha256=${mac.sign(`${timestamp}.${body}`)}`,
        };
        const options = {
          method: 'POST',
          headers,
          timeout: config.timeoutMs,
          agent: false,
          lookup: targets.lookup,
          ...(config.caPem !== null ? { ca: config.caPem } : {}),
        };
        const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, options, (res) => {
          res.resume();
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve();
            else reject(new Error(status >= 300 && status < 400 ? `redirect ${status} not followed` : `receiver answered ${status}`));
          });
          res.on('error', reject);
        });
        req.on('timeout', () => req.destroy(new Error(`no answer within ${config.timeoutMs} ms`)));
        req.on('error', reject);
        req.end(body);
      }),
  };
}
