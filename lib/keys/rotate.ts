import type { Db } from '@/db';
import { SealError, needsReseal, open, seal, sealedKeyVersion, type KeyRing } from '@/lib/crypto';
import { SEALED_COLUMNS, type SealedColumn } from '@/db/queries/sealed-columns';

export type ResealCount = { table: string; column: string; resealed: number; alreadyCurrent: number };
export type ResealFailure = { table: string; column: string; id: string; reason: string };

const SHOWN_FAILURES = 20;

/** Some stored values do not open: the rotation wrote nothing. Names rows, never values. */
export class RotationError extends Error {
  override name = 'RotationError';
  constructor(readonly failures: ResealFailure[]) {
    const lines = failures.slice(0, SHOWN_FAILURES).map((f) => `  ${f.table}.${f.column} (${f.id}): ${f.reason}`);
    if (failures.length > SHOWN_FAILURES) lines.push(`  … and ${failures.length - SHOWN_FAILURES} more`);
    if (failures.some((f) => f.reason.includes('not in BERTH_MASTER_KEY'))) {
      lines.push('Keep the old key in the ring next to the new one until the rotation has run, e.g. BERTH_MASTER_KEY="v1:<old>,v2:<new>".');
    }
    super(
      `Key rotation aborted, nothing was changed: ${failures.length} sealed value${failures.length === 1 ? '' : 's'} ` +
        `did not open with BERTH_MASTER_KEY:\n${lines.join('\n')}`,
    );
  }
}

/**
 * Re-seals every stored sealed value with the ring's current key, in one transaction: each value
 * is opened with the version that sealed it (which must still be in the ring) and written back
 * only when that version differs. Every value is opened, current ones too, and a single one
 * that does not open aborts the whole rotation before anything is written. Running it again
 * reseals nothing. Rows are locked while it runs, so a panel writing at the same time waits.
 */
export async function resealAll(db: Db, ring: KeyRing, columns: readonly SealedColumn[] = SEALED_COLUMNS): Promise<ResealCount[]> {
  return db.transaction(async (tx) => {
    const counts: ResealCount[] = [];
    const failures: ResealFailure[] = [];
    const writes: Array<() => Promise<void>> = [];
    for (const { table, column, read } of columns) {
      const count = { table, column, resealed: 0, alreadyCurrent: 0 };
      for (const value of await read(tx, { lock: true })) {
        let plaintext: string;
        try {
          plaintext = open(ring, value.sealed, value.aad);
        } catch (err) {
          if (!(err instanceof SealError)) throw err;
          failures.push({ table, column, id: value.id, reason: err.message });
          continue;
        }
        if (!needsReseal(ring, value.sealed)) {
          count.alreadyCurrent++;
          continue;
        }
        const fresh = seal(ring, plaintext, value.aad);
        writes.push(() => value.write(tx, fresh));
        count.resealed++;
      }
      counts.push(count);
    }
    if (failures.length > 0) throw new RotationError(failures);
    for (const write of writes) await write();
    return counts;
  });
}

export type KeyVersionUse = { version: number; values: number };

/** How many stored values each key version sealed (values in no known format are not counted). */
export async function keyVersionsInUse(db: Db, columns: readonly SealedColumn[] = SEALED_COLUMNS): Promise<KeyVersionUse[]> {
  const uses = new Map<number, number>();
  for (const { read } of columns) {
    for (const { sealed } of await read(db)) {
      let version: number;
      try {
        version = sealedKeyVersion(sealed);
      } catch (err) {
        if (err instanceof SealError) continue;
        throw err;
      }
      uses.set(version, (uses.get(version) ?? 0) + 1);
    }
  }
  return [...uses].map(([version, values]) => ({ version, values })).sort((a, b) => a.version - b.version);
}

/**
 * The ring's versions other than the current one, split into those some stored value still
 * needs (rotation not done, or a panel with an older ring wrote since) and those nothing uses,
 * which can be removed from BERTH_MASTER_KEY.
 */
export async function findOldVersions(
  db: Db,
  ring: KeyRing,
  columns: readonly SealedColumn[] = SEALED_COLUMNS,
): Promise<{ stillUsed: KeyVersionUse[]; removable: number[] }> {
  const uses = await keyVersionsInUse(db, columns);
  const stillUsed = uses.filter((u) => u.version !== ring.current);
  const used = new Set(uses.map((u) => u.version));
  const removable = [...ring.keys.keys()].filter((v) => v !== ring.current && !used.has(v)).sort((a, b) => a - b);
  return { stillUsed, removable };
}
