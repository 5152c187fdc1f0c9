import { z } from 'zod';
import { appConfigInput } from './config';

/** Text fields of the app forms, turned into the typed config (every error goes back to its field). */
const words = (text: string) => text.split(/[\s,]+/).filter(Boolean);
const list = z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.string()));

export const appFormInput = z
  .object({
    name: z.string().trim().min(1, 'Name is required').max(80),
    slug: z.string(),
    kind: z.enum(['php', 'process', 'static'], { error: 'Choose a kind' }),
    domains: z.string().transform(words),
    phpVersion: z.string().trim().default('8.2'),
    port: z.string().trim().optional(),
    processCommand: z.string().trim().optional(),
    maxChildren: z.string().trim().default('5'),
    scheduler: z.string().optional(),
    serverIds: list,
  })
  .transform((f, ctx) => {
    const parsed = appConfigInput.safeParse({
      slug: f.slug,
      kind: f.kind,
      domains: f.domains,
      phpVersion: f.phpVersion || '8.2',
      port: f.kind === 'process' ? f.port : undefined,
      processArgv: f.kind === 'process' && f.processCommand ? words(f.processCommand) : undefined,
      pool: { maxChildren: f.maxChildren },
      scheduler: f.scheduler === 'on',
    });
    if (!parsed.success) {
      // Report config errors under the form's own field names.
      for (const issue of parsed.error.issues) {
        const [head] = issue.path;
        const path = head === 'pool' ? ['maxChildren'] : head === 'processArgv' ? ['processCommand'] : head === 'domains' ? ['domains'] : [String(head)];
        ctx.addIssue({ code: 'custom', message: issue.message, path });
      }
      return z.NEVER;
    }
    if (f.kind === 'process' && (!parsed.data.port || !parsed.data.processArgv)) {
      ctx.addIssue({ code: 'custom', message: 'A process app needs a port and a command', path: ['processCommand'] });
      return z.NEVER;
    }
    return { name: f.name, config: parsed.data, serverIds: f.serverIds };
  });
