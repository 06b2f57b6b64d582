/**
 * A small typed gRPC client for tests: the protocol's two services
 * (`voting.eVoting` and `voting.Registration`) as promise-returning methods,
 * built on @grpc/grpc-js and the station's own message types.
 *
 * A gRPC error rejects with `GrpcCallError`, which carries the gRPC status
 * code; `settle` turns any call into a value instead. `callRaw` sends bytes
 * exactly as given, for malformed-request tests.
 */
import * as grpc from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
import nacl from 'tweetnacl';
import { encodeMessage, messageType } from '../../core/grpc/voting-messages.ts';

/** Every method of the protocol: its service and its message types. */
export const votingMethods = {
  PreAuth: { service: 'voting.eVoting', request: 'VoterName', response: 'Challenge' },
  Auth: { service: 'voting.eVoting', request: 'AuthRequest', response: 'AuthToken' },
  CreateElection: { service: 'voting.eVoting', request: 'Election', response: 'Status' },
  CastVote: { service: 'voting.eVoting', request: 'Vote', response: 'Status' },
  GetResult: { service: 'voting.eVoting', request: 'ElectionName', response: 'ElectionResult' },
  RegisterVoter: { service: 'voting.Registration', request: 'Voter', response: 'Status' },
  UnregisterVoter: { service: 'voting.Registration', request: 'VoterName', response: 'Status' },
} as const;

export type VotingMethod = keyof typeof votingMethods;

/** A call that ended with a gRPC error status (not a protocol status code). */
export class GrpcCallError extends Error {
  constructor(
    readonly method: string,
    readonly code: grpc.status,
    readonly details: string,
  ) {
    super(`${method} failed with gRPC ${grpc.status[code]} (${code}): ${details}`);
    this.name = 'GrpcCallError';
  }
}

export type CallResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: GrpcCallError };

/** Waits for a call and returns its answer or its gRPC error as a value; other errors still reject. */
export async function settle<T>(call: Promise<T>): Promise<CallResult<T>> {
  try {
    return { ok: true, value: await call };
  } catch (error) {
    if (error instanceof GrpcCallError) return { ok: false, error };
    throw error;
  }
}

/** The gRPC status code a call failed with, or null if it succeeded. */
export async function grpcErrorCode(call: Promise<unknown>): Promise<grpc.status | null> {
  const result = await settle(call);
  return result.ok ? null : result.error.code;
}

export interface VoteCountReply {
  readonly choiceName: string;
  readonly count: number;
}

export interface ElectionResultReply {
  readonly status: number;
  readonly counts: readonly VoteCountReply[];
}

export interface VotingClientOptions {
  /** Deadline of each call; default 10 s. */
  readonly deadlineMs?: number;
  /** Extra channel options for @grpc/grpc-js. */
  readonly channelOptions?: grpc.ChannelOptions;
}

export class VotingClient {
  private readonly client: grpc.Client;
  private readonly deadlineMs: number;

  /** `address` is HOST:PORT, e.g. what the station printed after `grpc: `. */
  constructor(
    readonly address: string,
    options: VotingClientOptions = {},
  ) {
    this.client = new grpc.Client(address, grpc.credentials.createInsecure(), options.channelOptions ?? {});
    this.deadlineMs = options.deadlineMs ?? 10_000;
  }

  close(): void {
    this.client.close();
  }

  /** Resolves once the channel is connected; rejects after `timeoutMs`. */
  waitForReady(timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.waitForReady(Date.now() + timeoutMs, (error) => {
        if (error === undefined) resolve();
        else reject(error);
      });
    });
  }

  async preAuth(name: string): Promise<Uint8Array> {
    return bytesField(await this.call('PreAuth', { name }), 'value');
  }

  async auth(name: string, signature: Uint8Array): Promise<Uint8Array> {
    const reply = await this.call('Auth', { name: { name }, response: { value: signature } });
    return bytesField(reply, 'value');
  }

  /** PreAuth, a detached Ed25519 signature of the challenge with the voter's key, then Auth: the token. */
  async signIn(name: string, secretKey: Uint8Array): Promise<Uint8Array> {
    const challenge = await this.preAuth(name);
    return this.auth(name, nacl.sign.detached(challenge, secretKey));
  }

  async createElection(election: {
    readonly token: Uint8Array;
    readonly name: string;
    readonly groups: readonly string[];
    readonly choices: readonly string[];
    readonly endsAtMs: number;
  }): Promise<number> {
    const reply = await this.call('CreateElection', {
      name: election.name,
      groups: [...election.groups],
      choices: [...election.choices],
      endDate: timestamp(election.endsAtMs),
      token: { value: election.token },
    });
    return numberField(reply, 'code');
  }

  async castVote(vote: {
    readonly token: Uint8Array;
    readonly election: string;
    readonly choice: string;
  }): Promise<number> {
    const reply = await this.call('CastVote', {
      electionName: vote.election,
      choiceName: vote.choice,
      token: { value: vote.token },
    });
    return numberField(reply, 'code');
  }

  async getResult(election: string): Promise<ElectionResultReply> {
    const reply = await this.call('GetResult', { name: election });
    const counts = reply['counts'];
    return {
      status: numberField(reply, 'status'),
      counts: Array.isArray(counts)
        ? counts.map((item: unknown) => {
            const count = isRecord(item) ? item : {};
            return { choiceName: stringField(count, 'choiceName'), count: numberField(count, 'count') };
          })
        : [],
    };
  }

  async registerVoter(voter: {
    readonly name: string;
    readonly group: string;
    readonly publicKey: Uint8Array;
  }): Promise<number> {
    const reply = await this.call('RegisterVoter', {
      name: voter.name,
      group: voter.group,
      publicKey: voter.publicKey,
    });
    return numberField(reply, 'code');
  }

  async unregisterVoter(name: string): Promise<number> {
    return numberField(await this.call('UnregisterVoter', { name }), 'code');
  }

  /** Sends `request` as the raw request bytes of `method`; resolves with the raw reply bytes. */
  callRaw(method: VotingMethod, request: Uint8Array): Promise<Buffer> {
    return this.unary(
      method,
      Buffer.from(request),
      (value) => value,
      (value) => value,
    );
  }

  /** Encodes `request` with the method's request type and decodes the reply (proto2 required fields enforced). */
  private call(method: VotingMethod, request: Record<string, unknown>): Promise<Record<string, unknown>> {
    const spec = votingMethods[method];
    const requestType = messageType(spec.request);
    const responseType = messageType(spec.response);
    return this.unary(
      method,
      request,
      (value) => encodeMessage(requestType, value),
      (buffer) => decodeReply(responseType, buffer),
    );
  }

  private unary<Request, Reply>(
    method: VotingMethod,
    request: Request,
    serialize: (value: Request) => Buffer,
    deserialize: (buffer: Buffer) => Reply,
  ): Promise<Reply> {
    const path = `/${votingMethods[method].service}/${method}`;
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        path,
        serialize,
        deserialize,
        request,
        new grpc.Metadata(),
        { deadline: Date.now() + this.deadlineMs },
        (error, reply) => {
          if (error !== null) {
            reject(new GrpcCallError(method, error.code, error.details));
          } else if (reply === undefined) {
            reject(new GrpcCallError(method, grpc.status.INTERNAL, 'no reply message'));
          } else {
            resolve(reply);
          }
        },
      );
    });
  }
}

function decodeReply(type: protobuf.Type, buffer: Buffer): Record<string, unknown> {
  return type.toObject(type.decode(buffer), { longs: String });
}

function timestamp(ms: number): { seconds: number; nanos: number } {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function numberField(message: Record<string, unknown>, name: string): number {
  const value = message[name];
  if (typeof value !== 'number') throw new Error(`reply field ${name} is not a number: ${String(value)}`);
  return value;
}

function stringField(message: Record<string, unknown>, name: string): string {
  const value = message[name];
  if (typeof value !== 'string') throw new Error(`reply field ${name} is not a string`);
  return value;
}

function bytesField(message: Record<string, unknown>, name: string): Uint8Array {
  const value = message[name];
  if (!(value instanceof Uint8Array)) throw new Error(`reply field ${name} is not bytes`);
  return Uint8Array.from(value);
}
