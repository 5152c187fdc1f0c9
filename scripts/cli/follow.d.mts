export function sseEvents(body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<{ event: string; data: unknown }>;
