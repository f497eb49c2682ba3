import type { ObjectStore } from '../../storage/object-store.js';

/**
 * A fault injected into the object store: the next read is held until released, so a test can put
 * another request in the middle of one that reads a file (a slow disk, a slow S3). Only that one read
 * waits; every later read goes straight through.
 */
export function holdNextStoreRead(store: ObjectStore): { reached: Promise<string>; release(): void } {
  const original = store.get;
  let reachedWith!: (key: string) => void;
  const reached = new Promise<string>((resolve) => (reachedWith = resolve));
  let releaseRead!: () => void;
  const released = new Promise<void>((resolve) => (releaseRead = resolve));
  store.get = async function (this: ObjectStore, ...args: Parameters<ObjectStore['get']>) {
    store.get = original;
    reachedWith(args[0]);
    await released;
    return original.apply(this, args);
  };
  return {
    reached,
    release() {
      store.get = original;
      releaseRead();
    },
  };
}
