import type { Context } from 'hono';
import { badRequest, payloadTooLarge } from './errors.ts';

/** Default request body limit: 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/**
 * Deepest nesting of arrays and objects accepted. `JSON.parse` copes with any depth, but the
 * recursive code after it (`JSON.stringify` when storing, schema checks) overflows the stack at a
 * few thousand levels: 1 MiB of `[` would turn into a 500. No record needs more than this.
 */
export const MAX_JSON_DEPTH = 256;

/** The nesting depth of JSON text (brackets inside strings do not count). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c)
        i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x5b || ch === 0x7b) {
      depth++;
      if (depth > max) max = depth;
    } else if (ch === 0x5d || ch === 0x7d) depth--;
  }
  return max;
}

/** `application/json` or any `+json` type, parameters (charset) allowed. */
function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const type = value.split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

/**
 * Reads the request body as JSON, never buffering more than `limit` bytes.
 *
 * The `Content-Length` check rejects early, but a chunked body has none (and a client may lie),
 * so the streamed byte count is enforced as well: reading stops at the first chunk past the limit.
 * A JSON content type is required: it is what the protocol sends, and it makes a browser preflight
 * any cross-site request that would otherwise carry the session cookie.
 *
 * @example
 * app.post('/login', async (c) => c.json(await login(await readJsonBody(c, 4096))));
 */
export async function readJsonBody(c: Context, limit: number): Promise<unknown> {
  if (!isJsonContentType(c.req.header('content-type'))) {
    throw badRequest('content type must be application/json');
  }
  const declared = c.req.header('content-length');
  if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > limit) {
    throw payloadTooLarge(`body over ${limit} bytes`);
  }
  const text =
    declared !== undefined && /^\d+$/.test(declared)
      ? await readDeclaredText(c.req.raw, limit)
      : await readLimitedText(c.req.raw, limit);
  if (text.trim() === '') throw badRequest('body is not JSON');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest('body is not JSON');
  }
  if (jsonDepth(text) > MAX_JSON_DEPTH) {
    throw badRequest(`body nests deeper than ${MAX_JSON_DEPTH} levels`);
  }
  return value;
}

/**
 * A body whose Content-Length was declared (and is within the limit) is framed by it: the
 * runtime delivers no byte past it. So it is read whole, which on Node skips the web stream
 * the adapter would otherwise build over the socket. The length is checked again anyway.
 */
async function readDeclaredText(request: Request, limit: number): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await request.arrayBuffer());
  } catch {
    // The client aborted the upload: there is no request to answer, but it is not our fault.
    throw badRequest('body could not be read');
  }
  if (bytes.byteLength > limit) throw payloadTooLarge(`body over ${limit} bytes`);
  return decodeUtf8([bytes], bytes.byteLength);
}

async function readLimitedText(request: Request, limit: number): Promise<string> {
  const stream = request.body;
  if (stream === null) return '';
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch {
      // The client aborted the upload: there is no request to answer, but it is not our fault.
      throw badRequest('body could not be read');
    }
    const { done, value } = chunk;
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      // Stop reading; the rest of the upload is discarded by the runtime.
      await reader.cancel().catch(() => {});
      throw payloadTooLarge(`body over ${limit} bytes`);
    }
    chunks.push(value);
  }
  return decodeUtf8(chunks, total);
}

function decodeUtf8(chunks: Uint8Array[], total: number): string {
  const bytes = chunks.length === 1 ? chunks[0]! : new Uint8Array(total);
  if (chunks.length > 1) {
    let offset = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, offset);
      offset += chunk.byteLength;
    }
  }
  try {
    // fatal: invalid UTF-8 is not JSON, rather than silently becoming U+FFFD.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw badRequest('body is not JSON');
  }
}
