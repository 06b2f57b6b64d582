/**
 * The protocol's messages, read from voting.proto with protobufjs. Decoding
 * enforces proto2 `required` fields; anything that does not decode is
 * reported as a value so the server can answer INVALID_ARGUMENT.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const protoFile = path.join(path.dirname(fileURLToPath(import.meta.url)), '../protocol/voting.proto');
const root = protobuf.loadSync(protoFile);

export function messageType(name: string): protobuf.Type {
  return root.lookupType(`voting.${name}`);
}

/** A decoded request as plain fields (bytes stay bytes, 64-bit integers become decimal strings). */
export type Decoded =
  | { readonly ok: true; readonly fields: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly error: string };

export function decodeMessage(type: protobuf.Type, bytes: Buffer): Decoded {
  try {
    return { ok: true, fields: type.toObject(type.decode(bytes), { longs: String }) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : 'undecodable message' };
  }
}

export function encodeMessage(type: protobuf.Type, value: Record<string, unknown>): Buffer {
  return Buffer.from(type.encode(type.fromObject(value)).finish());
}
