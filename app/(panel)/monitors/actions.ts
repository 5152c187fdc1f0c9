'use server';

import { z } from 'zod';
import { authedAction } from '@/lib/auth/action';
import { reloadMonitoring } from '@/lib/monitors/engine';
import { autoMonitorEditInput, monitorInput } from '@/lib/monitors/input';
import { createMonitor, editAutoMonitor, editMonitor, pauseMonitor, removeMonitor } from '@/lib/monitors/manage';
import { getRuntime } from '@/lib/runtime';

const monitorId = z.object({ monitorId: z.uuid('Unknown monitor') });

export const addMonitor = authedAction({ audit: 'monitor.create', role: 'admin', schema: monitorInput }, async (input, ctx) => {
  const m = await createMonitor(ctx.db, getRuntime().keyRing, input);
  ctx.setTarget(`monitor:${m.id}`);
  ctx.setDetails({ name: m.name, kind: m.kind, url: m.url, intervalS: m.intervalS });
  await reloadMonitoring();
  return { id: m.id };
});

export const saveMonitor = authedAction(
  { audit: 'monitor.update', role: 'admin', schema: z.intersection(monitorId, monitorInput) },
  async (input, ctx) => {
    ctx.setTarget(`monitor:${input.monitorId}`);
    const before = await editMonitor(ctx.db, input.monitorId, input);
    ctx.setDetails({
      url: { from: before.url, to: input.url },
      intervalS: { from: before.intervalS, to: input.intervalS },
      paused: input.paused,
    });
    await reloadMonitoring();
    return null;
  },
);

export const saveAutoMonitor = authedAction(
  { audit: 'monitor.update', role: 'admin', schema: z.intersection(monitorId, autoMonitorEditInput) },
  async (input, ctx) => {
    ctx.setTarget(`monitor:${input.monitorId}`);
    const before = await editAutoMonitor(ctx.db, input.monitorId, input);
    ctx.setDetails({
      intervalS: { from: before.intervalS, to: input.intervalS },
      retries: { from: before.retries, to: input.retries },
      paused: input.paused,
    });
    await reloadMonitoring();
    return null;
  },
);

export const setMonitorPaused = authedAction(
  { audit: 'monitor.pause', role: 'admin', schema: monitorId.extend({ paused: z.enum(['true', 'false']).transform((v) => v === 'true') }) },
  async (input, ctx) => {
    ctx.setTarget(`monitor:${input.monitorId}`);
    ctx.setDetails({ paused: input.paused });
    await pauseMonitor(ctx.db, input.monitorId, input.paused);
    await reloadMonitoring();
    return null;
  },
);

export const deleteMonitor = authedAction({ audit: 'monitor.delete', role: 'admin', schema: monitorId }, async (input, ctx) => {
  ctx.setTarget(`monitor:${input.monitorId}`);
  const m = await removeMonitor(ctx.db, input.monitorId);
  ctx.setDetails({ name: m.name, kind: m.kind, url: m.url });
  await reloadMonitoring();
  return null;
});
