// A doorbell between a producer built early and a worker built later: the services that
// queue mail exist before the mail worker (which needs them) does. `ring` before anything is
// connected does nothing — the worker's own interval picks the work up — so the CLI, which
// runs no worker, needs no special case.
export interface Signal {
  ring(): void;
  connect(listener: () => void): void;
}

export function createSignal(): Signal {
  const listeners: (() => void)[] = [];
  return {
    ring: () => listeners.forEach((listener) => listener()),
    connect: (listener) => void listeners.push(listener),
  };
}
