/** A binary min-heap on `due`: the scheduler sleeps exactly until the earliest check. */
export type HeapItem<T> = { due: number; value: T };

export class DueHeap<T> {
  private items: HeapItem<T>[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): HeapItem<T> | undefined {
    return this.items[0];
  }

  push(due: number, value: T): void {
    const items = this.items;
    items.push({ due, value });
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent]!.due <= items[i]!.due) break;
      [items[parent], items[i]] = [items[i]!, items[parent]!];
      i = parent;
    }
  }

  pop(): HeapItem<T> | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let min = i;
        if (l < items.length && items[l]!.due < items[min]!.due) min = l;
        if (r < items.length && items[r]!.due < items[min]!.due) min = r;
        if (min === i) break;
        [items[min], items[i]] = [items[i]!, items[min]!];
        i = min;
      }
    }
    return top;
  }

  clear(): void {
    this.items = [];
  }
}
