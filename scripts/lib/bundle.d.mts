import type { BuildOptions, BuildResult } from 'esbuild';

export const root: string;
export function bundle(entry: string, outfile: string, extra?: BuildOptions): Promise<BuildResult>;
