import { request as httpRequest } from 'node:http';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonDepth, MAX_JSON_DEPTH, readJsonBody } from './body.ts';
import { createErrorHandler } from './errors.ts';
import { type ServedApp, serveOnFreePort } from './testing/index.ts';

const LIMIT = 1000;
let served: ServedApp;
beforeAll(async () => {
  const app = new Hono();
  app.onError(createErrorHandler());
  app.post('/echo', async (c) => c.json({ got: await readJsonBody(c, LIMIT) }));
  served = await serveOnFreePort(app);
});
afterAll(() => served.close());

const post = (body: BodyInit, type = 'application/json') =>
  fetch(`${served.url}/echo`, { method: 'POST', body, headers: { 'content-type': type } });

/** Sends `chunks` with `Transfer-Encoding: chunked` (no Content-Length). */
function postChunked(chunks: string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${served.url}/echo`,
      { method: 'POST', headers: { 'content-type': 'application/json' } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('readJsonBody', () => {
  it('parses JSON bodies within the limit', async () => {
    const res = await post(JSON.stringify({ a: 1 }), 'application/json; charset=utf-8');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ got: { a: 1 } });
  });

  it.each([
    ['not json', '{'],
    ['empty', ''],
    ['whitespace', '   '],
  ])('answers 400 for a body that is %s', async (_name, body) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'body is not JSON' });
  });

  it('answers 400 for invalid UTF-8', async () => {
    const res = await post(new Uint8Array([0x22, 0xff, 0xfe, 0x22]));
    expect(res.status).toBe(400);
  });

  it('answers 400 for a non-JSON content type', async () => {
    const res = await post('{}', 'text/plain');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'content type must be application/json' });
  });

  it('answers 413 from Content-Length', async () => {
    const res = await post(JSON.stringify({ pad: 'x'.repeat(LIMIT) }));
    expect(res.status).toBe(413);
    expect((await res.json()).error).toMatch(/over 1000 bytes/);
  });

  it('answers 413 for a chunked body without Content-Length once the stream passes the limit', async () => {
    const chunks = ['{"pad":"', ...Array.from({ length: 20 }, () => 'x'.repeat(100)), '"}'];
    const res = await postChunked(chunks);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error).toMatch(/over 1000 bytes/);
    const small = await postChunked(['{"a":', '2}']);
    expect(small).toEqual({ status: 200, body: '{"got":{"a":2}}' });
  });
});

describe('jsonDepth and deep nesting', () => {
  it('measures nesting, ignoring brackets inside strings', () => {
    expect(jsonDepth('1')).toBe(0);
    expect(jsonDepth('{"a":[1,{"b":[]}]}')).toBe(4);
    expect(jsonDepth('{"a":"[[[[\\"{{"}')).toBe(1);
  });

  it('answers 400 for bodies nested deeper than MAX_JSON_DEPTH', async () => {
    const deep = `${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`;
    const res = await post(deep);
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatch(/nests deeper/);
    const ok = `${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`;
    expect((await post(ok)).status).toBe(200);
  });
});
