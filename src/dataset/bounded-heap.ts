/**
 * Keeps the `capacity` smallest items offered, in O(capacity) memory: a
 * binary max-heap whose root is the largest kept item, evicted when a smaller one arrives.
 */
export class BoundedMaxHeap<T> {
  private readonly items: T[] = [];

  constructor(
    private readonly capacity: number,
    private readonly compare: (left: T, right: T) => number,
  ) {}

  get size(): number {
    return this.items.length;
  }

  /** Adds the item if it is among the smallest seen so far; returns whether it was kept. */
  offer(item: T): boolean {
    if (this.capacity <= 0) return false;

    if (this.items.length < this.capacity) {
      this.items.push(item);
      this.siftUp(this.items.length - 1);
      return true;
    }

    if (this.compare(item, this.items[0] as T) >= 0) return false;

    this.items[0] = item;
    this.siftDown(0);
    return true;
  }

  /** Returns the kept items in no particular order. */
  values(): T[] {
    return [...this.items];
  }

  private siftUp(start: number): void {
    let child = start;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (this.compare(this.at(child), this.at(parent)) <= 0) return;

      this.swap(child, parent);
      child = parent;
    }
  }

  private siftDown(start: number): void {
    let parent = start;
    for (;;) {
      const left = parent * 2 + 1;
      const right = left + 1;
      let largest = parent;
      if (left < this.items.length && this.compare(this.at(left), this.at(largest)) > 0) largest = left;
      if (right < this.items.length && this.compare(this.at(right), this.at(largest)) > 0) largest = right;
      if (largest === parent) return;

      this.swap(parent, largest);
      parent = largest;
    }
  }

  private at(index: number): T {
    return this.items[index] as T;
  }

  private swap(first: number, second: number): void {
    const held = this.at(first);
    this.items[first] = this.at(second);
    this.items[second] = held;
  }
}
