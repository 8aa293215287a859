/** Record builders for tests over the demo schema. */
const at = '2026-01-01T00:00:00.000Z';

export function board(id: string, userId: string, name = `Board ${id}`) {
  return { id, name, userId, createdAt: at };
}

export function todo(id: string, boardId: string, title = `Todo ${id}`) {
  return { id, boardId, title, done: false, createdAt: at, updatedAt: at };
}
