import type { SyncStatus } from 'swsync/schema';
import type { Live } from './app.ts';
import { h } from './dom.ts';
import { initialSyncText, isTransient, statusDetail, statusText } from './status-text.ts';

/** How long an online pending count must last before it is shown (a write syncs sooner). */
export const PENDING_SHOWN_AFTER_MS = 1_500;

/**
 * The header's sync line, the offline banner and the first-sync progress. The line holds the
 * page's one `status` live region, and screen readers announce every change of its text, so only
 * settled states are written there: a pending count while online waits `PENDING_SHOWN_AFTER_MS`
 * (a write that syncs meanwhile changes nothing), and an unchanged text is never rewritten. What
 * ticks (the seconds to an outage's next try, a first sync's record count) is shown beside it,
 * outside the live region: readable, never announced.
 */
export function createStatusView(
  status: Live<SyncStatus>,
  onRetryNow: () => void,
  onSignInAgain: () => void,
): {
  line: HTMLElement;
  retryNow: HTMLElement;
  signInAgain: HTMLElement;
  banner: HTMLElement;
  progress: HTMLElement;
} {
  const said = h('span', { role: 'status', 'aria-live': 'polite' }, 'Connecting…');
  const detail = h('span', { class: 'detail', hidden: true });
  const line = h('div', { class: 'pill' }, said, detail);
  const banner = h(
    'div',
    { class: 'banner', hidden: true },
    'You are offline. Changes are saved on this device and sync when you reconnect.',
  );
  const progressText = h('span', { class: 'progress-text' });
  const progressBar = h('div', { class: 'bar' });
  const track = h(
    'div',
    { class: 'track', role: 'progressbar', 'aria-label': 'Initial sync' },
    progressBar,
  );
  const progress = h('div', { class: 'progress', hidden: true }, progressText, track);
  const retryNow = h(
    'button',
    { class: 'link', type: 'button', hidden: true, on: { click: onRetryNow } },
    'Retry now',
  );
  // The session ended under the app (expired, cleared): the way back, pending writes kept.
  const signInAgain = h(
    'button',
    { class: 'link', type: 'button', hidden: true, on: { click: onSignInAgain } },
    'Sign in again',
  );

  let latest: SyncStatus | null = null;
  let ticking: ReturnType<typeof setInterval> | undefined;
  let held: ReturnType<typeof setTimeout> | undefined;
  const write = (s: SyncStatus) => {
    const text = statusText(s);
    if (said.textContent !== text) said.textContent = text;
    const more = statusDetail(s) ?? '';
    if (detail.textContent !== more) detail.textContent = more;
    detail.hidden = !more;
    line.dataset.state = !s.online
      ? 'offline'
      : s.retry || s.lastError
        ? 'retrying'
        : s.pending > 0
          ? 'pending'
          : text === 'Synced'
            ? 'synced'
            : 'busy';
  };
  const show = () => {
    const s = latest;
    if (!s) return;
    retryNow.hidden = !s.online || s.retry === null || s.paused !== null;
    signInAgain.hidden = s.paused !== 'unauthorized' && s.paused !== 'account-mismatch';
    if (!isTransient(s)) {
      clearTimeout(held);
      held = undefined;
      write(s);
      return;
    }
    if (held === undefined) {
      held = setTimeout(() => {
        held = undefined;
        if (latest) write(latest);
      }, PENDING_SHOWN_AFTER_MS);
    }
  };

  status.subscribe((s) => {
    latest = s;
    show();
    // "next try in 8 s" counts down between status changes.
    if (s.retry && ticking === undefined) ticking = setInterval(show, 1000);
    if (!s.retry && ticking !== undefined) {
      clearInterval(ticking);
      ticking = undefined;
    }
    banner.hidden = s.online;
    const initial = s.initialSync;
    progress.hidden = !initial || initial.done;
    if (initial && !initial.done) {
      const text = `Syncing your data: ${initialSyncText(initial)}${initial.total ? '' : ' so far'}`;
      if (progressText.textContent !== text) progressText.textContent = text;
      track.setAttribute('aria-valuetext', initialSyncText(initial));
      // A known total gives a true fraction; without one the bar only shows that it moves.
      const share = initial.total
        ? (100 * Math.min(initial.records, initial.total)) / initial.total
        : Math.min(95, 10 + Math.log10(initial.records + 1) * 20);
      progressBar.style.width = `${share}%`;
    }
  });
  return { line, retryNow, signInAgain, banner, progress };
}
