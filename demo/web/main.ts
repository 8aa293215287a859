import { renderApp } from './app.ts';
import { createDemoData } from './data.ts';
import { loadSession, type Session, signIn, signOut } from './session.ts';
import { renderSignIn } from './signin.ts';

const root = document.getElementById('app')!;

function start(session: Session) {
  const { data, client } = createDemoData(session.userId);
  renderApp(root, data, {
    name: session.name,
    onSignOut: () => {
      client.close();
      signOut();
      location.reload();
    },
  });
}

const session = loadSession();
if (session) start(session);
else renderSignIn(root, async (name) => start(await signIn(name)));
