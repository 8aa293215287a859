/** What a key scrolls by, as a share of the visible height, or to an end. */
const KEYS: Record<string, { page?: number; px?: number; to?: 'top' | 'end' }> = {
  PageDown: { page: 1 },
  PageUp: { page: -1 },
  ' ': { page: 1 },
  ArrowDown: { px: 40 },
  ArrowUp: { px: -40 },
  Home: { to: 'top' },
  End: { to: 'end' },
};

/**
 * Lets the keyboard scroll `scroller` when nothing has the focus. The app scrolls in an element
 * (so the toasts' tray below it never lies over a row), and Chromium sends PageDown, Space,
 * the arrows, Home and End with nothing focused to the window, which no longer scrolls: a
 * person who reads with the keyboard would be stuck at the top. With a control focused, the
 * browser scrolls as usual (the control is inside `scroller`). Call once per scroller.
 *
 * @example scrollWithKeys(h('div', { class: 'scroller' }, ...));
 */
export function scrollWithKeys(scroller: HTMLElement): void {
  const onKey = (e: KeyboardEvent) => {
    const key = KEYS[e.key];
    const unfocused = e.target === document.body || e.target === document.documentElement;
    if (!key || !unfocused || e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    if (!scroller.isConnected) return;
    e.preventDefault();
    // The browser's own page step: most of the visible height, keeping a line of context.
    const page = scroller.clientHeight * 0.875;
    const up = e.key === ' ' && e.shiftKey ? -1 : 1;
    if (key.to) scroller.scrollTop = key.to === 'top' ? 0 : scroller.scrollHeight;
    else scroller.scrollBy({ top: key.page ? key.page * up * page : (key.px ?? 0) });
  };
  document.addEventListener('keydown', onKey);
}
