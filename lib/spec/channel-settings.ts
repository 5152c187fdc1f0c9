import { CONFIG_FIELDS } from '@/lib/notify/fields';
import type { ChannelKind } from '@/lib/model/notifications';
import { channelSecretRef } from './references';
import type { ChannelSpec } from './schema';

/** Settings in the kind's field order, secrets as references: the one shape export writes and import compares. */
export function channelSettings(
  kind: ChannelKind,
  plain: Record<string, string | number>,
  secrets: readonly string[],
  name: string,
): ChannelSpec['settings'] {
  const out: ChannelSpec['settings'] = {};
  for (const f of CONFIG_FIELDS[kind]) {
    if (secrets.includes(f)) out[f] = { secret: channelSecretRef(name, f) };
    else if (plain[f] !== undefined) out[f] = plain[f]!;
  }
  return out;
}
