/**
 * The gRPC baseline: a minimal grpc-js server whose methods do nothing (no
 * decoding, no station) and answer constant messages of the sizes the station
 * answers with: CastVote a `Status { code: 0 }`, PreAuth a 32-byte challenge,
 * Auth a token as long as a real one. The bench compares the station with
 * the cost of grpc-js itself on the same messages. Run as a child process of
 * the bench; prints `grpc: HOST:PORT` like the station and stops on SIGTERM
 * or SIGINT.
 */
import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { messageType } from '../core/grpc/voting-messages.ts';
import { limits } from '../core/protocol/limits.ts';

/** A real token for a bench voter name (about 12 bytes): 35 fixed bytes, the name, a 32-byte MAC. */
const tokenBytes = 35 + 12 + 32;

const answers: Readonly<Record<string, Buffer>> = {
  CastVote: Buffer.from(messageType('Status').encode({ code: 0 }).finish()),
  PreAuth: Buffer.from(
    messageType('Challenge')
      .encode({ value: randomBytes(limits.challengeBytes) })
      .finish(),
  ),
  Auth: Buffer.from(
    messageType('AuthToken')
      .encode({ value: randomBytes(tokenBytes) })
      .finish(),
  ),
};

const passThrough = (buffer: Buffer): Buffer => buffer;
const definition: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {};
const implementation: grpc.UntypedServiceImplementation = {};
for (const [name, answer] of Object.entries(answers)) {
  definition[name] = {
    path: `/voting.eVoting/${name}`,
    requestStream: false,
    responseStream: false,
    requestSerialize: passThrough,
    requestDeserialize: passThrough,
    responseSerialize: passThrough,
    responseDeserialize: passThrough,
  };
  implementation[name] = (
    _call: grpc.ServerUnaryCall<Buffer, Buffer>,
    callback: grpc.sendUnaryData<Buffer>,
  ) => {
    callback(null, answer);
  };
}

const server = new grpc.Server({
  'grpc.max_receive_message_length': limits.grpcMessageBytesMax,
  'grpc.max_send_message_length': limits.grpcMessageBytesMax,
});
server.addService(definition, implementation);

const port = await new Promise<number>((resolve, reject) => {
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, boundPort) => {
    if (error === null) resolve(boundPort);
    else reject(error);
  });
});
process.stdout.write(`grpc: 127.0.0.1:${port}\n`);

const stop = (): void => {
  server.tryShutdown(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
