import { notFound } from 'next/navigation';
import { cache } from 'react';
import { z } from 'zod';
import { db } from '@/db';
import { findApp, latestAppRun, placementsOfApp } from '@/db/queries/apps';
import { tasksOf } from '@/db/queries/runs';

/**
 * The app a URL names, read once per request: the layout (header, tabs, title) and the tab page
 * both ask for it. A malformed or unknown id is a 404, never a 500.
 */
export const appOf = cache(async (rawId: string) => {
  const id = z.uuid().safeParse(rawId);
  const app = id.success ? await findApp(db(), id.data) : undefined;
  if (!app) notFound();
  return app;
});

/** Each server of the app with its latest configure run and that run's tasks (Overview and Settings show them). */
export async function serverRunsOf(appId: string) {
  const placements = await placementsOfApp(db(), appId);
  return Promise.all(
    placements.map(async ({ server, roles }) => {
      const run = await latestAppRun(db(), appId, server.id);
      return { server, roles, run, tasks: run ? await tasksOf(db(), run.id) : [] };
    }),
  );
}

export type ServerRuns = Awaited<ReturnType<typeof serverRunsOf>>;
