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

  it('a line opened on a worker already redundant is lost at once', async () => {
    const worker = new FakeWorker();
    worker.state = 'redundant';
    const line = await transportOf(worker).open();
    expect(await settled(line.lost)).toBe(true);
    line.close();
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
