/**
 * Field readers for decoding stored JSON. Stored data is checked again on the
 * way back in: a value of the wrong type is reported, never trusted.
 */
export type JsonObject = Readonly<Record<string, unknown>>;

export class DecodeError extends Error {}

export function asObject(value: unknown, what: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DecodeError(`${what} is not an object`);
  }
  return value as JsonObject;
}

export function stringField(object: JsonObject, field: string): string {
  const value = object[field];
  if (typeof value !== 'string') throw new DecodeError(`field ${field} is not a string`);
  return value;
}

export function integerField(object: JsonObject, field: string): number {
  const value = object[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new DecodeError(`field ${field} is not an integer`);
  }
  return value;
}

/** An integer field that is 0 or more (a count, an id, a time span). */
export function nonNegativeIntegerField(object: JsonObject, field: string): number {
  const value = integerField(object, field);
  if (value < 0) throw new DecodeError(`field ${field} is negative`);
  return value;
}

export function booleanField(object: JsonObject, field: string): boolean {
  const value = object[field];
  if (typeof value !== 'boolean') throw new DecodeError(`field ${field} is not a boolean`);
  return value;
}

export function arrayField(object: JsonObject, field: string): readonly unknown[] {
  const value = object[field];
  if (!Array.isArray(value)) throw new DecodeError(`field ${field} is not an array`);
  return value;
}

export function stringArrayField(object: JsonObject, field: string): readonly string[] {
  const values = arrayField(object, field);
  if (!values.every((value) => typeof value === 'string')) {
    throw new DecodeError(`field ${field} is not a list of strings`);
  }
  return values;
}

export function bytesField(object: JsonObject, field: string): Uint8Array {
  return new Uint8Array(Buffer.from(stringField(object, field), 'base64'));
}

export function parseJson(bytes: Uint8Array, what: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8'));
  } catch {
    throw new DecodeError(`${what} is not valid JSON`);
  }
  return asObject(value, what);
}

export function encodeJson(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value), 'utf8');
}
