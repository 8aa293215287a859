import { expect, type Page, type TestInfo } from '@playwright/test';

/** The demo app driven the way a person uses it: by accessible names only. */
export class DemoApp {
  constructor(readonly page: Page) {}

  async signIn(url: string, name: string): Promise<void> {
    await this.page.goto(url);
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

  /** Saves a screenshot of the current state into the test's output for review. */
  async snapshot(testInfo: TestInfo, name: string): Promise<void> {
    const path = testInfo.outputPath(`${name}.png`);
    await this.page.screenshot({ path });
    await testInfo.attach(name, { path, contentType: 'image/png' });
  }
}
