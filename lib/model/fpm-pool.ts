import { z } from 'zod';

export type PmMode = 'static' | 'dynamic' | 'ondemand';

/** The process manager numbers of an app's pool (lib/templates/fpm-pool.ts renders them). */
export type PoolLimits = { pm: PmMode; maxChildren: number; startServers: number; minSpareServers: number; maxSpareServers: number };

/** Checks the pm numbers the way php-fpm does, with messages an operator can act on. */
export function poolProblems(c: PoolLimits): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(c.maxChildren) || c.maxChildren < 1) problems.push('max_children must be at least 1');
  if (c.pm === 'dynamic') {
    if (c.minSpareServers < 1) problems.push('min_spare_servers must be at least 1');
    if (c.maxSpareServers < c.minSpareServers) problems.push('max_spare_servers must be ≥ min_spare_servers');
    if (c.startServers < c.minSpareServers || c.startServers > c.maxSpareServers)
      problems.push('start_servers must lie between min_spare_servers and max_spare_servers');
    if (c.maxSpareServers > c.maxChildren) problems.push('max_spare_servers must be ≤ max_children');
  }
  return problems;
}

export const poolInput = z
  .object({
    pm: z.enum(['static', 'dynamic', 'ondemand']).default('dynamic'),
    maxChildren: z.coerce.number().int().min(1, 'max_children must be at least 1').max(512).default(5),
    startServers: z.coerce.number().int().min(1).default(2),
    minSpareServers: z.coerce.number().int().min(1).default(1),
    maxSpareServers: z.coerce.number().int().min(1).default(3),
    maxRequests: z.coerce.number().int().min(0).default(500),
    memoryLimitMb: z.coerce.number().int().min(16).max(8192).default(256),
    requestTerminateTimeoutS: z.coerce.number().int().min(0).max(3600).default(60),
    uploadMaxMb: z.coerce.number().int().min(1).max(4096).default(64),
    slowlogThresholdS: z.coerce.number().int().min(0).max(600).default(5),
  })
  .superRefine((pool, ctx) => {
    // php-fpm's own rules, checked here so the form says it rather than php-fpm -t later
    // (only once the numbers themselves are valid: zod runs this even after a field failed).
    if (!(pool.maxChildren >= 1)) return;
    for (const problem of poolProblems(pool))
      ctx.addIssue({ code: 'custom', message: problem, path: [POOL_FIELD_OF[problem.split(' ')[0]!] ?? 'maxChildren'] });
  })
  .prefault({});

const POOL_FIELD_OF: Record<string, string> = {
  max_children: 'maxChildren',
  min_spare_servers: 'minSpareServers',
  max_spare_servers: 'maxSpareServers',
  start_servers: 'startServers',
};
