export function scratchDatabase(baseUrl: string, prefix: string): Promise<{ url: string; drop(): Promise<void> }>;
