/**
 * Checks of untrusted interface requests: every operation accepts a
 * well-formed request and hands back exactly its fields; wrong types,
 * missing or unexpected fields, oversize strings, lists and byte arrays and
 * out-of-range integers are refused with a message naming the field; no
 * input whatsoever makes it throw.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  interfaceLimits,
  interfaceOperations,
  type InterfaceOperation,
} from '../../core/api/interface-api.ts';
import { isInterfaceOperation, isInvalidRequest, parseRequest } from '../../core/api/interface-requests.ts';
import { decodeApiJson, encodeApiJson } from '../../core/api/api-json.ts';
import { limits } from '../../core/protocol/limits.ts';

const session = new Uint8Array(80).fill(7);
const publicKey = new Uint8Array(32).fill(1);
const signature = new Uint8Array(64).fill(2);

const valid: Readonly<Record<InterfaceOperation, unknown>> = {
  overview: undefined,
  createFirstOfficial: { name: 'olga', publicKey },
  officialChallenge: { name: 'olga' },
  officialSignIn: { name: 'olga', signature },
  registerOfficial: { session, name: 'otto', publicKey },
  registerVoter: { session, name: 'ann', group: 'hall', publicKey },
  unregisterVoter: { session, name: 'ann' },
  listVoters: { session, search: '', offset: 0, limit: interfaceLimits.votersPageMax },
  listElections: { session },
  createElection: {
    session,
    name: 'Council',
    groups: ['hall'],
    choices: ['yes', 'no'],
    endsAtMs: 1_800_000_000_000,
  },
  getResult: { election: 'Council' },
  voterChallenge: { name: 'ann' },
  voterSignIn: { name: 'ann', signature },
  ballot: { token: session },
  castVote: { token: session, election: 'Council', choice: 'yes' },
  auditLog: { session, afterId: 0 },
  conflictReport: { session },
};

function invalidMessage(operation: InterfaceOperation, value: unknown): string {
  const parsed = parseRequest(operation, value);
  if (!isInvalidRequest(parsed)) throw new Error(`${operation} accepted ${JSON.stringify(value)}`);
  return parsed.invalid;
}

function withField(operation: InterfaceOperation, field: string, value: unknown): unknown {
  return { ...(valid[operation] as object), [field]: value };
}

describe('parseRequest', () => {
  it.each(interfaceOperations)(
    'accepts a well-formed %s request, also after a JSON round trip',
    (operation) => {
      expect(parseRequest(operation, valid[operation])).toEqual(valid[operation]);
      const overJson = decodeApiJson(encodeApiJson(valid[operation] ?? {}));
      const parsed = parseRequest(operation, overJson);
      expect(isInvalidRequest(parsed)).toBe(false);
    },
  );

  it('accepts nothing, null or {} for an operation without a request, and nothing else', () => {
    for (const value of [undefined, null, {}]) expect(parseRequest('overview', value)).toBeUndefined();
    expect(invalidMessage('overview', { x: 1 })).toBe('request: expected no fields');
    expect(invalidMessage('overview', [])).toBe('request: expected no fields');
  });

  it('refuses a request that is not an object', () => {
    for (const value of [null, undefined, 'olga', 42, [], [1], new Uint8Array(3)]) {
      expect(invalidMessage('officialChallenge', value)).toBe('request: expected an object');
    }
  });

  it('names a missing or an unexpected field', () => {
    expect(invalidMessage('registerVoter', { session, name: 'ann', publicKey })).toBe('group: missing');
    expect(invalidMessage('ballot', { token: session, voter: 'ann' })).toBe('unexpected field "voter"');
    // Fields from the prototype are neither read nor mistaken for the request's own.
    expect(invalidMessage('getResult', Object.create({ election: 'Council' }) as unknown)).toBe(
      'election: missing',
    );
    expect(invalidMessage('getResult', JSON.parse('{"election":"x","__proto__":{"a":1}}') as unknown)).toBe(
      'unexpected field "__proto__"',
    );
  });

  it.each([
    ['registerVoter', 'name', 42, 'name: expected a string of at most 256 UTF-8 bytes'],
    [
      'registerVoter',
      'name',
      'x'.repeat(limits.voterNameBytesMax + 1),
      'name: expected a string of at most 256 UTF-8 bytes',
    ],
    // 86 three-byte characters: 258 bytes in 86 UTF-16 units.
    ['registerVoter', 'name', '選'.repeat(86), 'name: expected a string of at most 256 UTF-8 bytes'],
    [
      'registerVoter',
      'group',
      'g'.repeat(limits.groupNameBytesMax + 1),
      'group: expected a string of at most 128 UTF-8 bytes',
    ],
    ['registerVoter', 'publicKey', new Uint8Array(31), 'publicKey: expected 32 bytes'],
    ['registerVoter', 'publicKey', 'AAAA', 'publicKey: expected 32 bytes'],
    ['registerVoter', 'publicKey', Array.from({ length: 32 }, () => 0), 'publicKey: expected 32 bytes'],
    [
      'registerVoter',
      'session',
      new Uint8Array(limits.tokenBytesMax + 1),
      'session: expected at most 512 bytes',
    ],
    ['officialSignIn', 'signature', new Uint8Array(63), 'signature: expected 64 bytes'],
    ['listVoters', 'limit', interfaceLimits.votersPageMax + 1, 'limit: expected an integer from 0 to 500'],
    ['listVoters', 'limit', 1.5, 'limit: expected an integer from 0 to 500'],
    ['listVoters', 'offset', -1, 'offset: expected an integer from 0 to 10000000'],
    ['listVoters', 'offset', '0', 'offset: expected an integer from 0 to 10000000'],
    ['listVoters', 'offset', Number.NaN, 'offset: expected an integer from 0 to 10000000'],
    ['createElection', 'groups', 'hall', 'groups: expected a list of at most 64 items'],
    [
      'createElection',
      'groups',
      Array.from({ length: limits.groupsPerElectionMax + 1 }, (_, index) => `g${index}`),
      'groups: expected a list of at most 64 items',
    ],
    ['createElection', 'choices', ['yes', 7], 'choices[1]: expected a string of at most 256 UTF-8 bytes'],
    ['createElection', 'endsAtMs', 2 ** 53, 'endsAtMs: expected an integer from 0 to 9007199254740991'],
    ['auditLog', 'afterId', null, 'afterId: expected an integer from 0 to 9007199254740991'],
    ['conflictReport', 'session', 'AAAA', 'session: expected at most 512 bytes'],
    [
      'conflictReport',
      'session',
      new Uint8Array(limits.tokenBytesMax + 1),
      'session: expected at most 512 bytes',
    ],
  ] as const)('refuses %s with %s = %j', (operation, field, value, message) => {
    expect(invalidMessage(operation, withField(operation, field, value))).toBe(message);
  });

  it('asks for the conflict report with a session and nothing else', () => {
    expect(invalidMessage('conflictReport', {})).toBe('session: missing');
    expect(invalidMessage('conflictReport', undefined)).toBe('request: expected an object');
    expect(invalidMessage('conflictReport', { session, election: 'Council' })).toBe(
      'unexpected field "election"',
    );
  });

  it('leaves whether a well-formed value is acceptable to the station (blank names, empty lists)', () => {
    expect(isInvalidRequest(parseRequest('registerVoter', withField('registerVoter', 'name', ' ')))).toBe(
      false,
    );
    expect(isInvalidRequest(parseRequest('createElection', withField('createElection', 'groups', [])))).toBe(
      false,
    );
  });

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...interfaceOperations),
        fc.anything({ withTypedArray: true }),
        (operation, value) => {
          const parsed = parseRequest(operation, value);
          if (isInvalidRequest(parsed)) expect(parsed.invalid.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('knows the operation names a transport may be asked for', () => {
    expect(isInterfaceOperation('castVote')).toBe(true);
    expect(isInterfaceOperation('subscribe')).toBe(false);
    expect(isInterfaceOperation('constructor')).toBe(false);
  });
});
