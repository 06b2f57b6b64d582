/**
 * The gRPC server over the wire: an in-process station (hand-moved clock)
 * served on 127.0.0.1, called with the test client. One case per status code
 * of every RPC (the engine's own tests cover the rest), authentication
 * failures, malformed and oversize requests, Unicode names, and ballot
 * secrecy of the station's log.
 */
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import nacl from 'tweetnacl';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGrpcServer, type RunningGrpcServer } from '../../core/grpc/grpc-server.ts';
import { createMemoryLogger, type RecordedLogEntry } from '../../core/logging/logger.ts';
import { systemRandomBytes } from '../../core/station/environment.ts';
import { Station } from '../../core/station/station.ts';
import { manualClock, removeDirectory, temporaryDirectory } from '../support/station-fixtures.ts';
import { grpcErrorCode, VotingClient, votingMethods, type VotingMethod } from '../support/voting-client.ts';

const hourMs = 60 * 60 * 1000;
const allMethods = Object.keys(votingMethods) as VotingMethod[];

describe('gRPC server', () => {
  let dir: string;
  let clock: ReturnType<typeof manualClock>;
  let logger: ReturnType<typeof createMemoryLogger>;
  let station: Station;
  let server: RunningGrpcServer;
  let client: VotingClient;
  /** Every ballot choice a test used: none may appear in the station's log. */
  let choicesUsed: Set<string>;

  beforeEach(async () => {
    dir = await temporaryDirectory('evote-grpc-');
    clock = manualClock();
    logger = createMemoryLogger();
    choicesUsed = new Set();
    station = await Station.open({ dataDir: dir, clock, randomBytes: systemRandomBytes, logger });
    server = await startGrpcServer(station, {
      address: '127.0.0.1:0',
      allowRemoteRegistration: false,
      logger,
    });
    client = new VotingClient(`127.0.0.1:${server.port}`);
  });

  afterEach(async () => {
    client.close();
    await server.stop();
    await station.close();
    await removeDirectory(dir);
    expectNoChoiceIn(logger.entries, choicesUsed);
  });

  interface Voter {
    readonly name: string;
    readonly keyPair: nacl.SignKeyPair;
  }

  async function register(name: string, group = 'north'): Promise<Voter> {
    const keyPair = nacl.sign.keyPair();
    expect(await client.registerVoter({ name, group, publicKey: keyPair.publicKey })).toBe(0);
    return { name, keyPair };
  }

  async function signIn(voter: Voter): Promise<Uint8Array> {
    return client.signIn(voter.name, voter.keyPair.secretKey);
  }

  async function registeredToken(name: string, group = 'north'): Promise<Uint8Array> {
    return signIn(await register(name, group));
  }

  /** Creates an election ending in an hour; its choices are remembered for the log check. */
  async function createElection(
    token: Uint8Array,
    name: string,
    choices: readonly string[],
    groups: readonly string[] = ['north'],
  ): Promise<number> {
    for (const choice of choices) choicesUsed.add(choice);
    return client.createElection({ token, name, groups, choices, endsAtMs: clock.nowMs() + hourMs });
  }

  describe('RegisterVoter', () => {
    it('0: registers a voter, who can then sign in', async () => {
      const ann = await register('ann');
      expect((await signIn(ann)).length).toBeGreaterThan(0);
    });

    it('1: a voter with that name exists, and the key is not replaced', async () => {
      const ann = await register('ann');
      const impostor = nacl.sign.keyPair();
      expect(await client.registerVoter({ name: 'ann', group: 'south', publicKey: impostor.publicKey })).toBe(
        1,
      );
      expect(await grpcErrorCode(client.signIn('ann', impostor.secretKey))).toBe(grpc.status.UNAUTHENTICATED);
      expect((await signIn(ann)).length).toBeGreaterThan(0);
    });

    it('2: empty name or group, or a public key that is not 32 bytes', async () => {
      const { publicKey } = nacl.sign.keyPair();
      expect(await client.registerVoter({ name: '', group: 'north', publicKey })).toBe(2);
      expect(await client.registerVoter({ name: 'ann', group: '', publicKey })).toBe(2);
      expect(
        await client.registerVoter({ name: 'ann', group: 'north', publicKey: publicKey.subarray(0, 31) }),
      ).toBe(2);
      expect(await client.registerVoter({ name: 'ann', group: 'north', publicKey: new Uint8Array() })).toBe(
        2,
      );
      // None of them registered anything.
      expect(await client.unregisterVoter('ann')).toBe(1);
    });
  });

  describe('UnregisterVoter', () => {
    it('0: unregisters a voter and makes their live token invalid', async () => {
      const token = await registeredToken('ann');
      expect(await client.unregisterVoter('ann')).toBe(0);
      expect(await createElection(token, 'Council', ['opt-kestrel'])).toBe(1);
    });

    it('1: no voter with that name', async () => {
      expect(await client.unregisterVoter('nobody')).toBe(1);
    });

    it('2: an invalid name', async () => {
      expect(await client.unregisterVoter('')).toBe(2);
    });
  });

  describe('PreAuth and Auth', () => {
    it('PreAuth gives a fresh 32-byte challenge, also for an unknown name', async () => {
      await register('ann');
      const first = await client.preAuth('ann');
      const second = await client.preAuth('ann');
      const unknown = await client.preAuth('nobody');
      expect(first.length).toBe(32);
      expect(second.length).toBe(32);
      expect(unknown.length).toBe(32);
      expect(Buffer.from(first).equals(Buffer.from(second))).toBe(false);
    });

    it('Auth with the detached signature of the challenge gives a token', async () => {
      const ann = await register('ann');
      const challenge = await client.preAuth('ann');
      const token = await client.auth('ann', nacl.sign.detached(challenge, ann.keyPair.secretKey));
      expect(token.length).toBeGreaterThan(0);
    });

    it('a failed Auth is UNAUTHENTICATED: wrong key, unknown voter, reused or missing challenge, short signature', async () => {
      const ann = await register('ann');
      const other = nacl.sign.keyPair();

      const wrongKey = await client.preAuth('ann');
      expect(await grpcErrorCode(client.auth('ann', nacl.sign.detached(wrongKey, other.secretKey)))).toBe(
        grpc.status.UNAUTHENTICATED,
      );
      // The failed attempt used the challenge up.
      expect(
        await grpcErrorCode(client.auth('ann', nacl.sign.detached(wrongKey, ann.keyPair.secretKey))),
      ).toBe(grpc.status.UNAUTHENTICATED);

      const unknown = await client.preAuth('nobody');
      expect(await grpcErrorCode(client.auth('nobody', nacl.sign.detached(unknown, other.secretKey)))).toBe(
        grpc.status.UNAUTHENTICATED,
      );

      const used = await client.preAuth('ann');
      const signature = nacl.sign.detached(used, ann.keyPair.secretKey);
      expect((await client.auth('ann', signature)).length).toBeGreaterThan(0);
      expect(await grpcErrorCode(client.auth('ann', signature))).toBe(grpc.status.UNAUTHENTICATED);

      const bob = await register('bob');
      expect(
        await grpcErrorCode(
          client.auth('bob', nacl.sign.detached(new Uint8Array(32), bob.keyPair.secretKey)),
        ),
      ).toBe(grpc.status.UNAUTHENTICATED);

      const short = await client.preAuth('ann');
      expect(
        await grpcErrorCode(
          client.auth('ann', nacl.sign.detached(short, ann.keyPair.secretKey).subarray(0, 32)),
        ),
      ).toBe(grpc.status.UNAUTHENTICATED);
    });
  });

  describe('CreateElection', () => {
    it('0: created', async () => {
      const token = await registeredToken('ann');
      expect(await createElection(token, 'Council', ['opt-heron', 'opt-lynx'])).toBe(0);
    });

    it('1: invalid token', async () => {
      await register('ann');
      expect(await createElection(Uint8Array.from(systemRandomBytes(48)), 'Council', ['opt-heron'])).toBe(1);
      expect(await createElection(new Uint8Array(), 'Council', ['opt-heron'])).toBe(1);
    });

    it('2: missing groups or choices', async () => {
      const token = await registeredToken('ann');
      expect(await createElection(token, 'Council', ['opt-heron'], [])).toBe(2);
      expect(await createElection(token, 'Council', [])).toBe(2);
    });

    it('3: name in use, end date not in the future, duplicate choices', async () => {
      const token = await registeredToken('ann');
      expect(await createElection(token, 'Council', ['opt-heron'])).toBe(0);
      expect(await createElection(token, 'Council', ['opt-lynx'])).toBe(3);
      expect(
        await client.createElection({
          token,
          name: 'Past',
          groups: ['north'],
          choices: ['opt-heron'],
          endsAtMs: clock.nowMs() - 1000,
        }),
      ).toBe(3);
      expect(await createElection(token, 'Twice', ['opt-heron', 'opt-heron'])).toBe(3);
      // The existing election was not overwritten: its choice is still the first one.
      clock.advance(2 * hourMs);
      expect(await client.getResult('Council')).toEqual({
        status: 0,
        counts: [{ choiceName: 'opt-heron', count: 0 }],
      });
    });
  });

  describe('CastVote', () => {
    it('0 successful vote, 4 a previous vote, 5 invalid choice', async () => {
      const token = await registeredToken('ann');
      expect(await createElection(token, 'Council', ['opt-osprey', 'opt-marten'])).toBe(0);
      expect(await client.castVote({ token, election: 'Council', choice: 'opt-no-such' })).toBe(5);
      expect(await client.castVote({ token, election: 'Council', choice: 'opt-marten' })).toBe(0);
      expect(await client.castVote({ token, election: 'Council', choice: 'opt-osprey' })).toBe(4);
      choicesUsed.add('opt-no-such');
    });

    it('1: invalid token', async () => {
      const token = await registeredToken('ann');
      expect(await createElection(token, 'Council', ['opt-osprey'])).toBe(0);
      const forged = Uint8Array.from(token);
      forged[forged.length - 1] = (forged.at(-1) ?? 0) ^ 0xff;
      expect(await client.castVote({ token: forged, election: 'Council', choice: 'opt-osprey' })).toBe(1);
    });

    it('1: an expired token (one hour)', async () => {
      const token = await registeredToken('ann');
      expect(
        await client.createElection({
          token,
          name: 'Long',
          groups: ['north'],
          choices: ['opt-osprey'],
          endsAtMs: clock.nowMs() + 3 * hourMs,
        }),
      ).toBe(0);
      choicesUsed.add('opt-osprey');
      clock.advance(hourMs + 1);
      expect(await client.castVote({ token, election: 'Long', choice: 'opt-osprey' })).toBe(1);
    });

    it('2: unknown election, or one past its end date', async () => {
      const token = await registeredToken('ann');
      expect(await client.castVote({ token, election: 'Nothing', choice: 'opt-osprey' })).toBe(2);
      const bob = await registeredToken('bob');
      expect(
        await client.createElection({
          token: bob,
          name: 'Short',
          groups: ['north'],
          choices: ['opt-osprey'],
          endsAtMs: clock.nowMs() + 1000,
        }),
      ).toBe(0);
      choicesUsed.add('opt-osprey');
      clock.advance(1000);
      expect(await client.castVote({ token, election: 'Short', choice: 'opt-osprey' })).toBe(2);
    });

    it("3: the voter's group is not allowed", async () => {
      const token = await registeredToken('sam', 'south');
      expect(await createElection(token, 'Council', ['opt-osprey'], ['north'])).toBe(0);
      expect(await client.castVote({ token, election: 'Council', choice: 'opt-osprey' })).toBe(3);
    });
  });

  describe('GetResult', () => {
    it('1 non-existent, 2 ongoing, 0 with every choice in order, zero counts included', async () => {
      expect(await client.getResult('Council')).toEqual({ status: 1, counts: [] });

      const choices = ['opt-walrus', 'opt-ibis', 'opt-quokka', 'opt-tapir'];
      const tokens = await Promise.all(['v1', 'v2', 'v3'].map(async (name) => registeredToken(name)));
      const [first, second, third] = tokens;
      if (first === undefined || second === undefined || third === undefined) throw new Error('no tokens');
      expect(await createElection(first, 'Council', choices)).toBe(0);
      expect(await client.castVote({ token: first, election: 'Council', choice: 'opt-quokka' })).toBe(0);
      expect(await client.castVote({ token: second, election: 'Council', choice: 'opt-walrus' })).toBe(0);
      expect(await client.castVote({ token: third, election: 'Council', choice: 'opt-quokka' })).toBe(0);
      expect(await client.getResult('Council')).toEqual({ status: 2, counts: [] });

      clock.advance(hourMs);
      expect(await client.getResult('Council')).toEqual({
        status: 0,
        counts: [
          { choiceName: 'opt-walrus', count: 1 },
          { choiceName: 'opt-ibis', count: 0 },
          { choiceName: 'opt-quokka', count: 2 },
          { choiceName: 'opt-tapir', count: 0 },
        ],
      });
    });
  });

  describe('malformed requests', () => {
    async function expectStillServing(): Promise<void> {
      const token = await registeredToken(`check-${String(Math.random()).slice(2, 10)}`);
      expect(token.length).toBeGreaterThan(0);
      expect(await client.getResult('Nothing')).toEqual({ status: 1, counts: [] });
    }

    it('garbage bytes get INVALID_ARGUMENT on every method, and the station keeps serving', async () => {
      const garbage = Buffer.from([0xff, 0xff, 0xff, 0x07, 0x13, 0x00, 0xfe]);
      for (const method of allMethods) {
        expect(await grpcErrorCode(client.callRaw(method, garbage)), method).toBe(
          grpc.status.INVALID_ARGUMENT,
        );
      }
      expect(logger.entries.filter((entry) => entry.event === 'grpc-request-rejected')).toHaveLength(
        allMethods.length,
      );
      await expectStillServing();
    });

    it('a message missing a proto2 required field gets INVALID_ARGUMENT', async () => {
      const token = await registeredToken('ann');
      expect(await createElection(token, 'Council', ['opt-gecko'])).toBe(0);
      // Vote { election_name, choice_name } without its required token.
      const voteWithoutToken = protobuf.Writer.create()
        .uint32((1 << 3) | 2)
        .string('Council')
        .uint32((2 << 3) | 2)
        .string('opt-gecko')
        .finish();
      expect(await grpcErrorCode(client.callRaw('CastVote', voteWithoutToken))).toBe(
        grpc.status.INVALID_ARGUMENT,
      );
      // AuthRequest with a name but no response.
      const authWithoutResponse = protobuf.Writer.create()
        .uint32((1 << 3) | 2)
        .fork()
        .uint32((1 << 3) | 2)
        .string('ann')
        .ldelim()
        .finish();
      expect(await grpcErrorCode(client.callRaw('Auth', authWithoutResponse))).toBe(
        grpc.status.INVALID_ARGUMENT,
      );
      // An empty message: VoterName's required name is missing.
      for (const method of ['PreAuth', 'UnregisterVoter', 'GetResult', 'RegisterVoter'] as const) {
        expect(await grpcErrorCode(client.callRaw(method, new Uint8Array())), method).toBe(
          grpc.status.INVALID_ARGUMENT,
        );
      }
      // The vote without a token was not counted: the voter can still vote.
      expect(await client.castVote({ token, election: 'Council', choice: 'opt-gecko' })).toBe(0);
      await expectStillServing();
    });

    it('a field with the wrong wire type gets INVALID_ARGUMENT', async () => {
      const token = await registeredToken('ann');
      expect(await createElection(token, 'Council', ['opt-gecko'])).toBe(0);
      // VoterName.name (a string) sent as a varint.
      const nameAsVarint = protobuf.Writer.create()
        .uint32((1 << 3) | 0)
        .uint32(5)
        .finish();
      expect(await grpcErrorCode(client.callRaw('PreAuth', nameAsVarint))).toBe(grpc.status.INVALID_ARGUMENT);
      // Vote.token (a message) sent as a fixed64.
      const tokenAsFixed64 = protobuf.Writer.create()
        .uint32((1 << 3) | 2)
        .string('Council')
        .uint32((2 << 3) | 2)
        .string('opt-gecko')
        .uint32((3 << 3) | 1)
        .fixed64(7)
        .finish();
      expect(await grpcErrorCode(client.callRaw('CastVote', tokenAsFixed64))).toBe(
        grpc.status.INVALID_ARGUMENT,
      );
      // Status-bearing ElectionName.name as a 32-bit value.
      const nameAsFixed32 = protobuf.Writer.create()
        .uint32((1 << 3) | 5)
        .fixed32(1)
        .finish();
      expect(await grpcErrorCode(client.callRaw('GetResult', nameAsFixed32))).toBe(
        grpc.status.INVALID_ARGUMENT,
      );
      expect(await client.castVote({ token, election: 'Council', choice: 'opt-gecko' })).toBe(0);
      await expectStillServing();
    });

    it('a message over 64 KiB is refused with RESOURCE_EXHAUSTED, and the station keeps serving', async () => {
      const { publicKey } = nacl.sign.keyPair();
      expect(
        await grpcErrorCode(client.registerVoter({ name: 'x'.repeat(70_000), group: 'north', publicKey })),
      ).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expect(await grpcErrorCode(client.callRaw('CastVote', Buffer.alloc(64 * 1024 + 1, 0x41)))).toBe(
        grpc.status.RESOURCE_EXHAUSTED,
      );
      // Just under the limit the message is read, and the oversize name is refused by the protocol (2).
      expect(await client.registerVoter({ name: 'x'.repeat(60_000), group: 'north', publicKey })).toBe(2);
      await expectStillServing();
    });
  });

  it('a voter, election and choices named in Chinese round-trip', async () => {
    const zhang = await register('张伟', '北区');
    // The same name is recognised as the same voter.
    expect(
      await client.registerVoter({ name: '张伟', group: '北区', publicKey: nacl.sign.keyPair().publicKey }),
    ).toBe(1);
    const token = await signIn(zhang);
    const choices = ['赞成', '反对', '弃权'];
    expect(await createElection(token, '市议会选举', choices, ['北区'])).toBe(0);
    expect(await client.castVote({ token, election: '市议会选举', choice: '反对' })).toBe(0);
    expect(await client.castVote({ token, election: '市议会选举', choice: '赞成' })).toBe(4);
    clock.advance(hourMs);
    expect(await client.getResult('市议会选举')).toEqual({
      status: 0,
      counts: [
        { choiceName: '赞成', count: 0 },
        { choiceName: '反对', count: 1 },
        { choiceName: '弃权', count: 0 },
      ],
    });
    expect(await client.unregisterVoter('张伟')).toBe(0);
    expect(await client.unregisterVoter('张伟')).toBe(1);
  });

  it('serves Registration to a caller on loopback', async () => {
    const { publicKey } = nacl.sign.keyPair();
    expect(await client.registerVoter({ name: 'ann', group: 'north', publicKey })).toBe(0);
    expect(await client.unregisterVoter('ann')).toBe(0);
  });

  it("the station's log never mentions a ballot choice, even when requests are refused", async () => {
    const tokens = await Promise.all(['v1', 'v2', 'v3', 'v4'].map(async (name) => registeredToken(name)));
    const choices = ['opt-narwhal', 'opt-pangolin'];
    const [first] = tokens;
    if (first === undefined) throw new Error('no token');
    expect(await createElection(first, 'Council', choices)).toBe(0);
    for (const [index, token] of tokens.entries()) {
      expect(await client.castVote({ token, election: 'Council', choice: choices[index % 2] ?? '' })).toBe(0);
    }
    // Refused and malformed votes that name a choice.
    choicesUsed.add('opt-axolotl');
    expect(await client.castVote({ token: first, election: 'Council', choice: 'opt-axolotl' })).toBe(4);
    const malformed = protobuf.Writer.create()
      .uint32((2 << 3) | 2)
      .string('opt-narwhal')
      .uint32((3 << 3) | 0)
      .uint32(1)
      .finish();
    expect(await grpcErrorCode(client.callRaw('CastVote', malformed))).toBe(grpc.status.INVALID_ARGUMENT);
    clock.advance(hourMs);
    expect((await client.getResult('Council')).counts.map(({ count }) => count)).toEqual([2, 2]);
    // The log was not silent: the check below looks at real entries.
    expect(logger.entries.length).toBeGreaterThan(0);
  });
});

function expectNoChoiceIn(entries: readonly RecordedLogEntry[], choices: ReadonlySet<string>): void {
  for (const entry of entries) {
    const line = JSON.stringify(entry);
    for (const choice of choices) {
      expect(line.includes(choice), `log entry ${line} mentions the choice ${choice}`).toBe(false);
    }
  }
}
