/**
 * Checks of untrusted interface requests (parsed JSON from HTTP, or anything
 * else a transport hands over): each operation's request is checked field by
 * field, types, sizes and ranges, before it reaches the typed
 * `InterfaceApi`. A bad request comes back as `{ invalid }` naming the field
 * and what was expected; nothing here throws. Whether a well-formed value is
 * acceptable (a blank name, an end date in the past) stays the engine's call,
 * so that the interface hears the protocol's precise reason.
 */
import { limits } from '../protocol/limits.ts';
import {
  interfaceLimits,
  interfaceOperations,
  type InterfaceApi,
  type InterfaceOperation,
} from './interface-api.ts';

export interface InvalidRequest {
  readonly invalid: string;
}

/** The request an operation takes (`undefined` for those that take none). */
export type InterfaceRequest<Operation extends InterfaceOperation> = Parameters<InterfaceApi[Operation]>[0];

export function isInterfaceOperation(name: string): name is InterfaceOperation {
  return (interfaceOperations as readonly string[]).includes(name);
}

export function isInvalidRequest(value: unknown): value is InvalidRequest {
  return typeof value === 'object' && value !== null && !(value instanceof Uint8Array) && 'invalid' in value;
}

/** The typed request for `operation`, or why `value` is not one. */
export function parseRequest<Operation extends InterfaceOperation>(
  operation: Operation,
  value: unknown,
): InterfaceRequest<Operation> | InvalidRequest {
  const parsed = parsers[operation](value);
  return parsed instanceof Invalid ? { invalid: parsed.message } : parsed;
}

/** Internal: a class, so that a failed check can never be mistaken for a parsed value. */
class Invalid {
  constructor(readonly message: string) {}
}

type Parser<T> = (value: unknown, path: string) => T | Invalid;

function text(bytesMax: number): Parser<string> {
  return (value, path) => {
    // A UTF-16 length over the limit can never fit in as many UTF-8 bytes: no need to measure.
    if (typeof value !== 'string' || value.length > bytesMax || Buffer.byteLength(value) > bytesMax) {
      return new Invalid(`${path}: expected a string of at most ${bytesMax} UTF-8 bytes`);
    }
    return value;
  };
}

function bytes(size: { readonly exactly: number } | { readonly atMost: number }): Parser<Uint8Array> {
  return (value, path) => {
    const fits =
      value instanceof Uint8Array &&
      ('exactly' in size ? value.length === size.exactly : value.length <= size.atMost);
    if (!fits) {
      const expected = 'exactly' in size ? `${size.exactly}` : `at most ${size.atMost}`;
      return new Invalid(`${path}: expected ${expected} bytes`);
    }
    return value;
  };
}

function integer(min: number, max: number): Parser<number> {
  return (value, path) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
      return new Invalid(`${path}: expected an integer from ${min} to ${max}`);
    }
    return value;
  };
}

function list(item: Parser<string>, countMax: number): Parser<readonly string[]> {
  return (value, path) => {
    if (!Array.isArray(value) || value.length > countMax) {
      return new Invalid(`${path}: expected a list of at most ${countMax} items`);
    }
    const items: string[] = [];
    for (const [index, element] of (value as readonly unknown[]).entries()) {
      const parsed = item(element, `${path}[${index}]`);
      if (parsed instanceof Invalid) return parsed;
      items.push(parsed);
    }
    return items;
  };
}

/** A plain object with exactly these fields (a missing or an unexpected field is refused). */
function object<Shape extends object>(fields: { readonly [Field in keyof Shape]-?: Parser<Shape[Field]> }) {
  return (value: unknown): Shape | Invalid => {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
      return new Invalid('request: expected an object');
    }
    const unexpected = Object.keys(value).find((field) => !Object.hasOwn(fields, field));
    if (unexpected !== undefined) return new Invalid(`unexpected field ${JSON.stringify(unexpected)}`);
    const result: Record<string, unknown> = {};
    for (const [field, parse] of Object.entries<Parser<unknown>>(fields)) {
      if (!Object.hasOwn(value, field)) return new Invalid(`${field}: missing`);
      const parsed = parse((value as Record<string, unknown>)[field], field);
      if (parsed instanceof Invalid) return parsed;
      result[field] = parsed;
    }
    // Every field of Shape was parsed by its own parser above.
    return result as Shape;
  };
}

function nothing(value: unknown): undefined | Invalid {
  const empty =
    value === undefined ||
    value === null ||
    (typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0);
  return empty ? undefined : new Invalid('request: expected no fields');
}

const token = bytes({ atMost: limits.tokenBytesMax });
const publicKey = bytes({ exactly: limits.publicKeyBytes });
const signature = bytes({ exactly: limits.signatureBytes });
const voterName = text(limits.voterNameBytesMax);
const officialName = text(limits.officialNameBytesMax);
const electionName = text(limits.electionNameBytesMax);

const parsers: {
  readonly [Operation in InterfaceOperation]: (value: unknown) => InterfaceRequest<Operation> | Invalid;
} = {
  overview: nothing,
  createFirstOfficial: object({ name: officialName, publicKey }),
  officialChallenge: object({ name: officialName }),
  officialSignIn: object({ name: officialName, signature }),
  registerOfficial: object({ session: token, name: officialName, publicKey }),
  registerVoter: object({
    session: token,
    name: voterName,
    group: text(limits.groupNameBytesMax),
    publicKey,
  }),
  unregisterVoter: object({ session: token, name: voterName }),
  listVoters: object({
    session: token,
    search: text(Math.max(limits.voterNameBytesMax, limits.groupNameBytesMax)),
    offset: integer(0, limits.votersMax),
    limit: integer(0, interfaceLimits.votersPageMax),
  }),
  listElections: object({ session: token }),
  createElection: object({
    session: token,
    name: electionName,
    groups: list(text(limits.groupNameBytesMax), limits.groupsPerElectionMax),
    choices: list(text(limits.choiceNameBytesMax), limits.choicesPerElectionMax),
    endsAtMs: integer(0, Number.MAX_SAFE_INTEGER),
  }),
  getResult: object({ election: electionName }),
  voterChallenge: object({ name: voterName }),
  voterSignIn: object({ name: voterName, signature }),
  ballot: object({ token }),
  castVote: object({ token, election: electionName, choice: text(limits.choiceNameBytesMax) }),
  auditLog: object({ session: token, afterId: integer(0, Number.MAX_SAFE_INTEGER) }),
  conflictReport: object({ session: token }),
};
