/** Request bodies of API calls: read up to a limit, then decoded as API JSON. */
import type http from 'node:http';
import { decodeApiJson } from '../api/api-json.ts';

/**
 * The whole body; 'too-large' as soon as it passes `bytesMax` (declared or
 * actual), and the rest is not read; 'cut-off' if the client went away.
 */
export function readBody(
  request: http.IncomingMessage,
  bytesMax: number,
): Promise<Buffer | 'too-large' | 'cut-off'> {
  if (Number(request.headers['content-length'] ?? 0) > bytesMax) return Promise.resolve('too-large');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > bytesMax) {
        request.off('data', onData);
        request.pause();
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.once('end', () => {
      resolve(Buffer.concat(chunks));
    });
    // After 'end' (or 'too-large') these change nothing: a promise settles once.
    request.once('error', () => {
      resolve('cut-off');
    });
    request.once('close', () => {
      resolve('cut-off');
    });
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function decodeRequestBody(
  body: Uint8Array,
): { readonly json: unknown } | { readonly malformed: string } {
  try {
    return { json: decodeApiJson(utf8.decode(body)) };
  } catch (error) {
    return { malformed: `the request body is not valid API JSON: ${(error as Error).message}` };
  }
}
