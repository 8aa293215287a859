/** The id of the page's `main` landmark, on the sign-in page and in the app. */
export const MAIN_ID = 'main';

/**
 * Makes index.html's "Skip to main content" link move the focus into the `main` landmark
 * (`MAIN_ID`), so the next Tab goes on from the main content. Following the bare `#main` link
 * would scroll there but leave the focus behind (`main` is not focusable) and add a history
 * entry. `main` is focusable only while the skip put the focus there: a lasting `tabindex`
 * would let every click on its text take the focus too. Call once.
 *
 * @example installSkipLink(); // with h('main', { id: MAIN_ID }, ...) in the page
 */
export function installSkipLink(): void {
  const link = document.querySelector<HTMLAnchorElement>('a.skip-link');
  link?.addEventListener('click', (e) => {
    const main = document.getElementById(MAIN_ID);
    if (!main) return;
    e.preventDefault();
    main.setAttribute('tabindex', '-1');
    main.addEventListener('blur', () => main.removeAttribute('tabindex'), { once: true });
    main.focus();
  });
}
