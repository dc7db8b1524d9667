/**
 * A minimal typed event emitter: `on()` returns an unsubscribe function.
 * Works the same in Node, a Worker and the page (no EventTarget needed).
 */

/** Maps event names to the type of their single argument. */
export type EventMap = Record<string, unknown>;

/** A listener for one event type. */
export type Listener<T> = (value: T) => void;

/** Typed events with unsubscribe-returning `on`. */
export class TypedEmitter<E extends EventMap> {
  private readonly listeners: { [K in keyof E]?: Set<Listener<E[K]>> } = {};

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof E>(type: K, listener: Listener<E[K]>): () => void {
    let set = this.listeners[type];
    if (set === undefined) {
      set = new Set();
      this.listeners[type] = set;
    }
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  /** Adds a listener that runs at most once; returns a function that removes it. */
  once<K extends keyof E>(type: K, listener: Listener<E[K]>): () => void {
    const off = this.on(type, (v) => {
      off();
      listener(v);
    });
    return off;
  }

  /**
   * Calls every listener for `type` with `value`. A listener that throws does
   * not stop the others; its error is rethrown asynchronously so it is seen.
   */
  protected emit<K extends keyof E>(type: K, value: E[K]): void {
    const set = this.listeners[type];
    if (set === undefined) return;
    for (const l of [...set]) {
      try {
        l(value);
      } catch (e) {
        queueMicrotask(() => {
          throw e;
        });
      }
    }
  }
}
