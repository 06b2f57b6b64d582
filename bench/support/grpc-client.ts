/**
 * A minimal client of the station's gRPC protocol (one channel with its own
 * connection per client), as load generators and setup code use it.
 */
import * as grpc from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
import { messageType } from '../../core/grpc/voting-messages.ts';

type Message = Readonly<Record<string, unknown>>;

interface MethodSpec {
  readonly path: string;
  readonly request: protobuf.Type;
  readonly response: protobuf.Type;
}

function method(service: string, name: string, request: string, response: string): MethodSpec {
  return {
    path: `/voting.${service}/${name}`,
    request: messageType(request),
    response: messageType(response),
  };
}

const methods = {
  PreAuth: method('eVoting', 'PreAuth', 'VoterName', 'Challenge'),
  Auth: method('eVoting', 'Auth', 'AuthRequest', 'AuthToken'),
  CreateElection: method('eVoting', 'CreateElection', 'Election', 'Status'),
  CastVote: method('eVoting', 'CastVote', 'Vote', 'Status'),
  RegisterVoter: method('Registration', 'RegisterVoter', 'Voter', 'Status'),
} as const;

type MethodName = keyof typeof methods;

export class GrpcCallError extends Error {
  constructor(
    readonly method: string,
    readonly code: grpc.status,
    details: string,
  ) {
    super(`${method}: ${grpc.status[code]} ${details}`);
  }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export class VotingClient {
  private readonly client: grpc.Client;

  constructor(address: string) {
    this.client = new grpc.Client(address, grpc.credentials.createInsecure(), {
      // Each client gets its own connection, as separate voting terminals would.
      'grpc.use_local_subchannel_pool': 1,
    });
  }

  close(): void {
    this.client.close();
  }

  async preAuth(name: string): Promise<Uint8Array> {
    return bytesOf(await this.call('PreAuth', { name }), 'value');
  }

  async auth(name: string, signature: Uint8Array): Promise<Uint8Array> {
    return bytesOf(await this.call('Auth', { name: { name }, response: { value: signature } }), 'value');
  }

  async registerVoter(name: string, group: string, publicKey: Uint8Array): Promise<number> {
    return codeOf(await this.call('RegisterVoter', { name, group, publicKey }));
  }

  async createElection(
    token: Uint8Array,
    name: string,
    groups: readonly string[],
    choices: readonly string[],
    endsAtMs: number,
  ): Promise<number> {
    return codeOf(
      await this.call('CreateElection', {
        name,
        groups,
        choices,
        endDate: { seconds: Math.floor(endsAtMs / 1000), nanos: 0 },
        token: { value: token },
      }),
    );
  }

  /** `timeoutMs`: a deadline for the call (none by default). */
  async castVote(
    token: Uint8Array,
    electionName: string,
    choiceName: string,
    timeoutMs?: number,
  ): Promise<number> {
    return codeOf(
      await this.call('CastVote', { electionName, choiceName, token: { value: token } }, timeoutMs),
    );
  }

  private call(name: MethodName, request: Message, timeoutMs?: number): Promise<Message> {
    const spec = methods[name];
    const options: grpc.CallOptions = timeoutMs === undefined ? {} : { deadline: Date.now() + timeoutMs };
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest<Message, Message>(
        spec.path,
        (value) => toBuffer(spec.request.encode(value).finish()),
        (buffer) => spec.response.toObject(spec.response.decode(buffer)),
        request,
        options,
        (error, response) => {
          if (error !== null) reject(new GrpcCallError(name, error.code, error.details));
          else if (response === undefined) reject(new Error(`${name}: empty response`));
          else resolve(response);
        },
      );
    });
  }
}

function bytesOf(message: Message, field: string): Uint8Array {
  const value = message[field];
  if (!(value instanceof Uint8Array)) throw new Error(`response field ${field} is not bytes`);
  return value;
}

function codeOf(message: Message): number {
  const value = message['code'];
  if (typeof value !== 'number') throw new Error('response has no status code');
  return value;
}
