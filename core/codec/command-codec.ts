/**
 * Commands as stored in the log and sent to a backup: one JSON object each.
 *
 * An actor is stored as `{ voter, registration }` or `{ official, registration }`:
 * voters' actors keep the layout they had before officials existed, so older
 * logs and peers read the same bytes the same way.
 */
import type { Actor, ActorKind, Command } from '../engine/commands.ts';
import {
  DecodeError,
  arrayField,
  asObject,
  bytesField,
  encodeJson,
  integerField,
  parseJson,
  stringArrayField,
  stringField,
  type JsonObject,
} from './json-fields.ts';

export function encodeCommand(command: Command): Uint8Array {
  return encodeJson(commandObject(command));
}

export function decodeCommand(bytes: Uint8Array): Command {
  return decodeCommandObject(parseJson(bytes, 'command'));
}

function commandObject(command: Command): JsonObject {
  switch (command.kind) {
    case 'register-voter':
      return { ...command, publicKey: base64(command.publicKey) };
    case 'register-official':
      return {
        ...command,
        actor: command.actor === null ? null : encodeActor(command.actor),
        publicKey: base64(command.publicKey),
      };
    case 'unregister-voter':
      return { ...command };
    case 'create-election':
    case 'cast-vote':
      return { ...command, actor: encodeActor(command.actor) };
    case 'merge-diverged':
      return {
        ...command,
        commands: command.commands.map((entry) => ({
          seq: entry.seq,
          command: commandObject(entry.command),
          memberKey: entry.memberKey === null ? null : base64(entry.memberKey),
          electionFromSplit: entry.electionFromSplit,
        })),
      };
  }
}

function decodeCommandObject(object: JsonObject): Command {
  const atMs = integerField(object, 'atMs');
  const kind = stringField(object, 'kind');
  switch (kind) {
    case 'register-voter':
      return {
        kind,
        atMs,
        name: stringField(object, 'name'),
        group: stringField(object, 'group'),
        publicKey: bytesField(object, 'publicKey'),
      };
    case 'unregister-voter':
      return { kind, atMs, name: stringField(object, 'name') };
    case 'register-official':
      return {
        kind,
        atMs,
        actor: object['actor'] === null ? null : decodeActor(object, 'official'),
        name: stringField(object, 'name'),
        publicKey: bytesField(object, 'publicKey'),
      };
    case 'create-election':
      return {
        kind,
        atMs,
        actor: decodeActor(object, null),
        name: stringField(object, 'name'),
        groups: stringArrayField(object, 'groups'),
        choices: stringArrayField(object, 'choices'),
        endsAtMs: integerField(object, 'endsAtMs'),
      };
    case 'cast-vote':
      return {
        kind,
        atMs,
        actor: decodeActor(object, 'voter'),
        election: stringField(object, 'election'),
        choice: stringField(object, 'choice'),
      };
    case 'merge-diverged':
      return {
        kind,
        atMs,
        sourceStationId: stringField(object, 'sourceStationId'),
        commonSeq: integerField(object, 'commonSeq'),
        commands: arrayField(object, 'commands').map((value) => {
          const entry = asObject(value, 'diverged command');
          const electionFromSplit = entry['electionFromSplit'];
          if (typeof electionFromSplit !== 'boolean') {
            throw new DecodeError('field electionFromSplit is not a boolean');
          }
          return {
            seq: integerField(entry, 'seq'),
            command: decodeCommandObject(asObject(entry['command'], 'field command')),
            memberKey: entry['memberKey'] === null ? null : bytesField(entry, 'memberKey'),
            electionFromSplit,
          };
        }),
      };
    default:
      throw new DecodeError(`unknown command kind ${JSON.stringify(kind).slice(0, 40)}`);
  }
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

function encodeActor(actor: Actor): JsonObject {
  return { [actor.kind]: actor.name, registration: actor.registration };
}

/** Reads the `actor` field; `expected` is the only kind the command allows, or null for either. */
function decodeActor<Kind extends ActorKind>(
  object: JsonObject,
  expected: Kind | null,
): Actor & { readonly kind: Kind } {
  const fields = asObject(object['actor'], 'field actor');
  const kind: ActorKind = 'official' in fields ? 'official' : 'voter';
  if (expected !== null && kind !== expected) {
    throw new DecodeError(`field actor is not ${expected === 'voter' ? 'a voter' : 'an official'}`);
  }
  return {
    kind: kind as Kind,
    name: stringField(fields, kind),
    registration: integerField(fields, 'registration'),
  };
}
