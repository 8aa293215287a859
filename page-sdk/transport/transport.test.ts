import { describe, expect, it } from 'vitest';
import { type RegistrationLike, serviceWorkerTransport } from './transport.ts';

/** A worker as the page sees it: a state and its `statechange` events. */
class FakeWorker extends EventTarget {
  state: ServiceWorkerState = 'activated';
  postMessage(): void {}
  moveTo(state: ServiceWorkerState): void {
    this.state = state;
    this.dispatchEvent(new Event('statechange'));
  }
}

const replies = { addEventListener() {}, removeEventListener() {} };

function transportOf(worker: FakeWorker) {
  const registration: RegistrationLike = {
    active: worker as unknown as ServiceWorker,
    installing: null,
    waiting: null,
  };
  return serviceWorkerTransport(registration, replies);
}

/** Whether `promise` has settled after everything already queued ran. */
async function settled(promise: Promise<unknown> | undefined): Promise<boolean> {
  let done = false;
  void promise?.then(() => {
    done = true;
  });
  await new Promise((resolve) => setTimeout(resolve, 0));
  return done;
}

describe('serviceWorkerTransport', () => {
  it('says a line is lost once its worker turns redundant, and not before', async () => {
    const worker = new FakeWorker();
    const line = await transportOf(worker).open();
    worker.moveTo('activated');
    expect(await settled(line.lost)).toBe(false);
    worker.moveTo('redundant');
    expect(await settled(line.lost)).toBe(true);
    line.close();
  });

  it('opens no line on a worker already redundant: with no successor, it gives up after the activation timeout', async () => {
    const worker = new FakeWorker();
    worker.state = 'redundant';
    const registration = {
      active: worker as unknown as ServiceWorker,
      installing: null,
      waiting: null,
    };
    const error = await serviceWorkerTransport(registration, replies, 50)
      .open()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ message: 'no active Service Worker' });
  });

  it('a closed line stops watching its worker', async () => {
    const worker = new FakeWorker();
    const line = await transportOf(worker).open();
    line.close();
    worker.moveTo('redundant');
    expect(await settled(line.lost)).toBe(false);
  });
});

describe('serviceWorkerTransport on an empty registration', () => {
  /** A registration an install was cut short on: no worker installing, waiting or active. */
  function emptyRegistration() {
    const registration: {
      active: ServiceWorker | null;
      installing: ServiceWorker | null;
      waiting: null;
    } = { active: null, installing: null, waiting: null };
    let installs = 0;
    const reinstall = async (): Promise<RegistrationLike> => {
      installs++;
      const worker = new FakeWorker();
      worker.state = 'installing';
      registration.installing = worker as unknown as ServiceWorker;
      setTimeout(() => {
        registration.installing = null;
        registration.active = worker as unknown as ServiceWorker;
        worker.moveTo('activating');
      }, 5);
      return registration;
    };
    return { registration, reinstall, installs: () => installs };
  }

  it('registers the worker again and reaches it, once per interval', async () => {
    const empty = emptyRegistration();
    const transport = serviceWorkerTransport(empty.registration, replies, 1_000, {
      reinstall: empty.reinstall,
      reinstallEveryMs: 60_000,
    });
    const line = await transport.open();
    expect(line.peer).toBe(empty.registration.active);
    expect(empty.installs()).toBe(1);
    // Emptied again within the interval: refused at once, no second install.
    empty.registration.active = null;
    await expect(transport.open()).rejects.toThrow(/did not install/);
    expect(empty.installs()).toBe(1);
    line.close();
  });

  it('without reinstall, an empty registration is refused at once', async () => {
    const empty = emptyRegistration();
    const transport = serviceWorkerTransport(empty.registration, replies, 1_000);
    await expect(transport.open()).rejects.toThrow(/did not install/);
    expect(empty.installs()).toBe(0);
  });
});

describe('serviceWorkerTransport while an update takes over', () => {
  it('waits for the successor when the active worker already turned redundant', async () => {
    // The order Chromium tells the page: the old worker's `redundant` first, and only then
    // `registration.active` pointing at the successor.
    const old = new FakeWorker();
    const successor = new FakeWorker();
    successor.state = 'installed';
    const registration = {
      active: old as unknown as ServiceWorker | null,
      installing: null,
      waiting: successor as unknown as ServiceWorker | null,
    };
    const transport = serviceWorkerTransport(registration, replies);
    old.moveTo('redundant');
    const opening = transport.open();
    expect(await settled(opening)).toBe(false);
    registration.active = successor as unknown as ServiceWorker;
    registration.waiting = null;
    successor.moveTo('activating');
    const line = await opening;
    expect(line.peer).toBe(successor);
    expect(await settled(line.lost)).toBe(false);
    line.close();
  });

  it('waits for the successor when none is in sight yet', async () => {
    const old = new FakeWorker();
    const successor = new FakeWorker();
    const registration = {
      active: old as unknown as ServiceWorker | null,
      installing: null,
      waiting: null,
    };
    const transport = serviceWorkerTransport(registration, replies);
    old.moveTo('redundant');
    const opening = transport.open();
    expect(await settled(opening)).toBe(false);
    registration.active = successor as unknown as ServiceWorker;
    const line = await opening;
    expect(line.peer).toBe(successor);
    line.close();
  });
});

describe('serviceWorkerTransport: what each line leaves behind', () => {
  /** A worker that keeps track of its `statechange` listeners. */
  class CountingWorker extends FakeWorker {
    readonly registered = new Set<unknown>();
    override addEventListener(...args: Parameters<EventTarget['addEventListener']>): void {
      this.registered.add(args[1]);
      super.addEventListener(...args);
    }
    override removeEventListener(...args: Parameters<EventTarget['removeEventListener']>): void {
      this.registered.delete(args[1]);
      super.removeEventListener(...args);
    }
  }

  it('no listener on the worker or the container outlives its line, lost or closed', async () => {
    const worker = new CountingWorker();
    const containerListeners = new Set<unknown>();
    const counted = {
      addEventListener: (_type: 'message', l: unknown) => void containerListeners.add(l),
      removeEventListener: (_type: 'message', l: unknown) => void containerListeners.delete(l),
    };
    const registration = {
      active: worker as unknown as ServiceWorker,
      installing: null,
      waiting: null,
    };
    const transport = serviceWorkerTransport(registration, counted);
    for (let i = 0; i < 20; i++) (await transport.open()).close();
    const lines = await Promise.all(Array.from({ length: 5 }, () => transport.open()));
    worker.moveTo('redundant');
    for (const line of lines) {
      expect(await settled(line.lost)).toBe(true);
      line.close();
    }
    expect(worker.registered.size).toBe(0);
    expect(containerListeners.size).toBe(0);
  });
});

describe('serviceWorkerTransport while a reinstall is slow', () => {
  it('a second open waits for the reinstall under way instead of calling the registration empty', async () => {
    const registration: RegistrationLike = { active: null, installing: null, waiting: null };
    let finish: (r: RegistrationLike) => void = () => {};
    let installs = 0;
    const transport = serviceWorkerTransport(registration, replies, 1_000, {
      reinstall: () => {
        installs++;
        return new Promise((resolve) => {
          finish = resolve;
        });
      },
    });
    // The first open is given up by its caller (its connect timed out: the script is slow).
    void transport.open().catch(() => undefined);
    const second = transport.open();
    const outcome = second.then(
      () => 'line',
      (e: Error) => e.message,
    );
    expect(await settled(outcome)).toBe(false);
    const worker = new FakeWorker();
    finish({ active: worker as unknown as ServiceWorker, installing: null, waiting: null });
    expect(await outcome).toBe('line');
    expect(installs).toBe(1);
    (await second).close();
  });
});
