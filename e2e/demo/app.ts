import { expect, type Page, type TestInfo } from '@playwright/test';

/** A local database's content, as `DemoApp.localData` reads it. */
export interface LocalData {
  boards: string[];
  todos: string[];
  /** The distinct `userId`s of its boards. */
  owners: string[];
  /** Events waiting for the server. */
  outbox: number;
}

/** The demo app driven the way a person uses it: by accessible names only. */
export class DemoApp {
  constructor(readonly page: Page) {}

  async signIn(url: string, name: string): Promise<void> {
    await this.page.goto(url);
    await this.signInHere(name);
  }

  /** Signs in on the sign-in page already shown (after a sign-out, say). */
  async signInHere(name: string): Promise<void> {
    await this.page.getByRole('textbox', { name: 'Name' }).fill(name);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
    await this.page.getByRole('textbox', { name: 'New board' }).waitFor();
  }

  async addBoard(name: string): Promise<void> {
    await this.page.getByRole('textbox', { name: 'New board' }).fill(name);
    await this.page.getByRole('button', { name: 'Add board' }).click();
    await expect(this.board(name)).toBeVisible();
  }

  board(name: string) {
    return this.page.getByRole('button', { name, exact: true });
  }

  async addTodo(title: string): Promise<void> {
    await this.page.getByRole('textbox', { name: 'New todo' }).fill(title);
    await this.page.getByRole('button', { name: 'Add todo' }).click();
    await expect(this.todo(title)).toBeVisible();
  }

  todo(title: string) {
    return this.page.getByRole('listitem').filter({ has: this.checkbox(title) });
  }

  checkbox(title: string) {
    return this.page.getByRole('checkbox', { name: title, exact: true });
  }

  async deleteTodo(title: string): Promise<void> {
    await this.page.getByRole('button', { name: `Delete ${title}`, exact: true }).click();
    await expect(this.todo(title)).toHaveCount(0);
  }

  status() {
    return this.page.getByRole('status');
  }

  /**
   * Clicks one of the two sign-out buttons (by its exact name: one is a prefix of the other)
   * and waits for the sign-in page; its notice is then `status()`.
   */
  async signOut(button: 'Sign out' | 'Sign out and remove data'): Promise<void> {
    await this.page.getByRole('button', { name: /^Account: / }).click();
    await this.page.getByRole('button', { name: button, exact: true }).click();
    await this.page.getByRole('textbox', { name: 'Name' }).waitFor({ timeout: 15_000 });
  }

  /**
   * What the local database `dbName` holds, read in the page straight from IndexedDB: board
   * names, todo titles (sorted), the boards' owners and the outbox size; null when the browser
   * has no such database (checked first: opening a missing one would create it).
   */
  localData(dbName: string): Promise<LocalData | null> {
    return this.page.evaluate(async (name) => {
      if (!(await indexedDB.databases()).some((d) => d.name === name)) return null;
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(name);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const all = (store: string) =>
        new Promise<Record<string, unknown>[]>((resolve, reject) => {
          const request = db.transaction(store).objectStore(store).getAll();
          request.onsuccess = () => resolve(request.result as Record<string, unknown>[]);
          request.onerror = () => reject(request.error);
        });
      try {
        const boards = await all('Board');
        const todos = await all('Todo');
        return {
          boards: boards.map((b) => String(b.name)).sort(),
          todos: todos.map((t) => String(t.title)).sort(),
          owners: [...new Set(boards.map((b) => String(b.userId)))].sort(),
          outbox: (await all('outbox')).length,
        };
      } finally {
        db.close();
      }
    }, dbName);
  }

  /**
   * Waits until every local write of `dbName` reached the server: "Synced" alone does not say
   * it, because the status holds a settled line while a just-made write is still being pushed.
   */
  async allSent(dbName: string): Promise<void> {
    await expect(this.status()).toHaveText('Synced');
    await expect.poll(async () => (await this.localData(dbName))?.outbox).toBe(0);
  }

  /** Whether the browser lists the IndexedDB database `dbName`. */
  hasDatabase(dbName: string): Promise<boolean> {
    return this.page.evaluate(
      async (name) => (await indexedDB.databases()).some((d) => d.name === name),
      dbName,
    );
  }

  /** Saves a screenshot of the current state into the test's output for review. */
  async snapshot(testInfo: TestInfo, name: string): Promise<void> {
    const path = testInfo.outputPath(`${name}.png`);
    await this.page.screenshot({ path });
    await testInfo.attach(name, { path, contentType: 'image/png' });
  }
}
