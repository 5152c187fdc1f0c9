'use server';

import { z } from 'zod';
import { multiLine } from '@/lib/model/text';
import { findApp } from '@/db/queries/apps';
import { saveUploadedCertificate } from '@/lib/apps/certificates';
import { requestConfigure } from '@/lib/apps/manage';
import { ActionError } from '@/lib/auth/action-core';
import { authedAction } from '@/lib/auth/action';
import { enqueue, getRuntime } from '@/lib/runtime';

const uploadInput = z.object({
  appId: z.uuid('Unknown app'),
  certificate: multiLine(64_000).trim().min(1, 'Paste the certificate chain'),
  key: multiLine(16_000).trim().min(1, 'Paste the private key'),
});

/**
 * Upload a certificate and its key. Checked here (parses, key matches, in date, covers the app's
 * domains), the key sealed; with TLS mode "uploaded" it goes to the servers by a configure run.
 * The audit row names the certificate, never the key.
 */
export const uploadCertificate = authedAction(
  { audit: 'app.certificate.upload', role: 'admin', schema: uploadInput },
  async (input, ctx) => {
    ctx.setTarget(`app:${input.appId}`);
    const app = await findApp(ctx.db, input.appId);
    if (!app) throw new ActionError('That app does not exist.');
    const info = await saveUploadedCertificate(ctx.db, getRuntime().keyRing, app, input);
    const applies = app.config.tls.mode === 'uploaded';
    ctx.setDetails({
      domains: info.domains,
      issuer: info.issuer,
      notAfter: info.notAfter.toISOString(),
      fingerprint: info.fingerprint256,
      configure: applies,
    });
    if (!applies) return { note: 'Saved. It is served once the app\u2019s TLS mode is \u201cuploaded\u201d.' };
    try {
      await requestConfigure(ctx.db, enqueue, app.id, ctx.user.id);
    } catch (err) {
      // The certificate is stored either way; only applying it waits.
      if (err instanceof ActionError) return { note: `Saved, not applied yet: ${err.message}` };
      throw err;
    }
    return { note: 'Saved; configuring the servers.' };
  },
);
