type Writer = { write(text: string): unknown };
export function main(argv: string[], io?: { out: Writer; err: Writer; env: Record<string, string | undefined> }): Promise<number>;
