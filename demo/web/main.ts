import { renderApp } from './app.ts';
import { createDemoData } from './data.ts';
import {
  finishPendingSignOut,
  leaveLocally,
  loadSession,
  type Session,
  signIn,
} from './session.ts';
import { renderSignIn } from './signin.ts';
import { installSkipLink } from './skip-link.ts';

const root = document.getElementById('app')!;
installSkipLink();
/** What the sign-in page says after a sign-out (it survives the reload that resets the app). */
const NOTICE = 'swsync-demo:notice';

function start(session: Session, focusOnStart = false) {
  const { data, client } = createDemoData(session.userId);
  let signingOut = false;
  // Signed out (or removed) in another tab: this one must stop showing the account's data.
  client.status.subscribe((status) => {
    if (status.paused === 'signed-out' && !signingOut) location.reload();
  });
  renderApp(
    root,
    data,
    {
      name: session.name,
      async onSignOut(removeData) {
        signingOut = true;
        leaveLocally(session.userId);
        // The worker stops syncing this account first, so nothing starts under a dying session.
        let notice: string;
        if (removeData) {
          await client.forget();
          notice = 'Signed out. This account’s data was removed from this device.';
        } else {
          const { pending } = await client.signOut();
          notice =
            pending === 0
              ? 'Signed out.'
              : `Signed out. ${pending} unsynced ${pending === 1 ? 'change' : 'changes'} will sync when you sign in again.`;
        }
        await finishPendingSignOut();
        sessionStorage.setItem(NOTICE, notice);
        location.reload();
      },
    },
    { focusOnStart },
  );
}

// A sign-out made offline reaches the server as soon as it can, not at the next sign-in.
void finishPendingSignOut();
addEventListener('online', () => void finishPendingSignOut());

const session = loadSession();
if (session) start(session);
else {
  const notice = sessionStorage.getItem(NOTICE);
  sessionStorage.removeItem(NOTICE);
  renderSignIn(root, async (name) => start(await signIn(name), true), notice);
}
