import type { Context } from 'hono';
import { badRequest, payloadTooLarge } from './errors.ts';

/** Default request body limit: 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

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
 */
export async function readJsonBody(c: Context, limit: number): Promise<unknown> {
  if (!isJsonContentType(c.req.header('content-type'))) {
    throw badRequest('content type must be application/json');
  }
  const declared = c.req.header('content-length');
  if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > limit) {
    throw payloadTooLarge(`body over ${limit} bytes`);
  }
  const text = await readLimitedText(c.req.raw, limit);
  if (text.trim() === '') throw badRequest('body is not JSON');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest('body is not JSON');
  }
}

async function readLimitedText(request: Request, limit: number): Promise<string> {
  const stream = request.body;
  if (stream === null) return '';
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      // Stop reading; the rest of the upload is discarded by the runtime.
      await reader.cancel().catch(() => {});
      throw payloadTooLarge(`body over ${limit} bytes`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    // fatal: invalid UTF-8 is not JSON, rather than silently becoming U+FFFD.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw badRequest('body is not JSON');
  }
}
