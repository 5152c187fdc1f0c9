import { cmd } from '@/lib/remote/command';
import type { Transport } from '@/lib/remote/transport';
import { parseLiveSlot, webSlots, type Slot } from '@/lib/plan/web-slots';

/** The live slot as the server's include file names it (the plan's fact about a process app). */
export async function readLiveSlot(transport: Transport, slug: string): Promise<Slot> {
  const read = await transport.exec(cmd('cat', webSlots(slug).livePath), { okExitCodes: [0, 1] });
  return parseLiveSlot(read.code === 0 ? read.stdout : null);
}
