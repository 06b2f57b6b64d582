/**
 * The station served over gRPC with the exact wire contract of the e-voting
 * protocol (package `voting`, services `eVoting` and `Registration`).
 * Malformed requests get INVALID_ARGUMENT, write refusals the station cannot
 * express as a protocol code get UNAVAILABLE, and no request can crash the
 * station: every handler's failure becomes a gRPC error.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../logging/logger.ts';
import { limits } from '../protocol/limits.ts';
import { isUnavailable, type StationApi, type WriteAnswer } from '../station/station-api.ts';
import { decodeMessage, encodeMessage, messageType, type Decoded } from './voting-messages.ts';
import { bytes, fieldsOf, text, textList, timestampMs, type Fields } from './wire-values.ts';

export interface GrpcServerOptions {
  /** HOST:PORT; port 0 picks a free port. */
  readonly address: string;
  /** Serve Registration to callers that are not on this machine. */
  readonly allowRemoteRegistration: boolean;
  readonly logger: Logger;
}

export interface RunningGrpcServer {
  readonly port: number;
  stop(): Promise<void>;
}

type Reply = Record<string, unknown>;

/** What a handler answers: a message, or a gRPC error. */
type HandlerAnswer = { readonly reply: Reply } | { readonly error: grpc.status; readonly details: string };

type Handler = (request: Fields, call: grpc.ServerUnaryCall<Decoded, Reply>) => Promise<HandlerAnswer>;

interface MethodSpec {
  readonly request: string;
  readonly response: string;
  readonly handle: Handler;
}

export async function startGrpcServer(
  station: StationApi,
  options: GrpcServerOptions,
): Promise<RunningGrpcServer> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': limits.grpcMessageBytesMax,
    'grpc.max_send_message_length': limits.grpcMessageBytesMax,
  });
  const localOnly =
    (handle: Handler): Handler =>
    async (request, call) =>
      options.allowRemoteRegistration || isLoopbackPeer(call.getPeer())
        ? handle(request, call)
        : {
            error: grpc.status.PERMISSION_DENIED,
            details: 'voter registration is only served on the station itself',
          };

  addService(server, 'voting.eVoting', options.logger, {
    PreAuth: {
      request: 'VoterName',
      response: 'Challenge',
      handle: async (request) => ({
        reply: { value: (await station.preAuth({ name: text(request, 'name') })).challenge },
      }),
    },
    Auth: {
      request: 'AuthRequest',
      response: 'AuthToken',
      handle: async (request) => {
        const answer = await station.auth({
          name: text(fieldsOf(request['name']), 'name'),
          signature: bytes(fieldsOf(request['response']), 'value'),
        });
        return 'token' in answer
          ? { reply: { value: answer.token } }
          : { error: grpc.status.UNAUTHENTICATED, details: 'authentication failed' };
      },
    },
    CreateElection: {
      request: 'Election',
      response: 'Status',
      handle: async (request) =>
        statusReply(
          await station.createElection({
            token: bytes(fieldsOf(request['token']), 'value'),
            name: text(request, 'name'),
            groups: textList(request, 'groups'),
            choices: textList(request, 'choices'),
            endsAtMs: timestampMs(request, 'endDate'),
          }),
        ),
    },
    CastVote: {
      request: 'Vote',
      response: 'Status',
      handle: async (request) =>
        statusReply(
          await station.castVote({
            token: bytes(fieldsOf(request['token']), 'value'),
            election: text(request, 'electionName'),
            choice: text(request, 'choiceName'),
          }),
        ),
    },
    GetResult: {
      request: 'ElectionName',
      response: 'ElectionResult',
      handle: async (request) => {
        const result = await station.getResult({ election: text(request, 'name') });
        return {
          reply: {
            status: result.outcome.code,
            counts: result.counts.map(({ choice, count }) => ({ choiceName: choice, count })),
          },
        };
      },
    },
  });
  addService(server, 'voting.Registration', options.logger, {
    RegisterVoter: {
      request: 'Voter',
      response: 'Status',
      handle: localOnly(async (request) =>
        statusReply(
          await station.registerVoter({
            name: text(request, 'name'),
            group: text(request, 'group'),
            publicKey: bytes(request, 'publicKey'),
          }),
        ),
      ),
    },
    UnregisterVoter: {
      request: 'VoterName',
      response: 'Status',
      handle: localOnly(async (request) =>
        statusReply(await station.unregisterVoter({ name: text(request, 'name') })),
      ),
    },
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(options.address, grpc.ServerCredentials.createInsecure(), (error, boundPort) => {
      if (error === null) resolve(boundPort);
      else reject(new Error(`cannot listen for gRPC on ${options.address}: ${error.message}`));
    });
  });
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => {
          resolve();
        });
      }),
  };
}

function addService(
  server: grpc.Server,
  serviceName: string,
  logger: Logger,
  methods: Record<string, MethodSpec>,
): void {
  const definition: Record<string, grpc.MethodDefinition<Decoded, Reply>> = {};
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const [name, spec] of Object.entries(methods)) {
    const requestType = messageType(spec.request);
    const responseType = messageType(spec.response);
    definition[name] = {
      path: `/${serviceName}/${name}`,
      requestStream: false,
      responseStream: false,
      // The client half of the definition is required by the type but unused by a server.
      requestSerialize: (value: Decoded) =>
        value.ok ? encodeMessage(requestType, value.fields) : Buffer.alloc(0),
      requestDeserialize: (buffer: Buffer): Decoded => decodeMessage(requestType, buffer),
      responseSerialize: (value: Reply) => encodeMessage(responseType, value),
      responseDeserialize: (buffer: Buffer): Reply => responseType.toObject(responseType.decode(buffer)),
    };
    implementation[name] = (
      call: grpc.ServerUnaryCall<Decoded, Reply>,
      callback: grpc.sendUnaryData<Reply>,
    ) => {
      answer(spec.handle, call, logger, `${serviceName}/${name}`).then(
        (result) => {
          if ('reply' in result) callback(null, result.reply);
          else callback({ code: result.error, details: result.details });
        },
        // `answer` never rejects; this only guards the callback itself.
        () => undefined,
      );
    };
  }
  server.addService(definition, implementation);
}

async function answer(
  handle: Handler,
  call: grpc.ServerUnaryCall<Decoded, Reply>,
  logger: Logger,
  method: string,
): Promise<HandlerAnswer> {
  const request = call.request;
  if (!request.ok) {
    logger.log('warn', 'grpc-request-rejected', 'malformed request', {
      method,
      error: request.error.slice(0, 200),
    });
    return { error: grpc.status.INVALID_ARGUMENT, details: `malformed request: ${request.error}` };
  }
  try {
    return await handle(request.fields, call);
  } catch (error) {
    logger.log('error', 'internal-error', 'request failed unexpectedly', {
      method,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    return { error: grpc.status.INTERNAL, details: 'internal error; the request was not completed' };
  }
}

function statusReply(answer: WriteAnswer<string>): HandlerAnswer {
  if (isUnavailable(answer)) return { error: grpc.status.UNAVAILABLE, details: answer.message };
  return { reply: { code: answer.code } };
}

function isLoopbackPeer(peer: string): boolean {
  // grpc-js gives `127.0.0.1:5000` or `::1:5000`; the C core gives `ipv4:127.0.0.1:5000` or `ipv6:[::1]:5000`.
  return (
    /^(ipv4:)?127\.\d+\.\d+\.\d+:\d+$/.test(peer) ||
    /^(ipv6:)?\[?(::1|::ffff:127\.\d+\.\d+\.\d+)\]?:\d+$/.test(peer)
  );
}
