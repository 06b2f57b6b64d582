/** Commands as stored in the log and sent to a backup: one JSON object each. */
import type { Actor, Command } from '../engine/commands.ts';
import {
  DecodeError,
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
  switch (command.kind) {
    case 'register-voter':
      return encodeJson({ ...command, publicKey: Buffer.from(command.publicKey).toString('base64') });
    case 'unregister-voter':
    case 'create-election':
    case 'cast-vote':
      return encodeJson(command);
  }
}

export function decodeCommand(bytes: Uint8Array): Command {
  const object = parseJson(bytes, 'command');
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
    case 'create-election':
      return {
        kind,
        atMs,
        actor: decodeActor(object),
        name: stringField(object, 'name'),
        groups: stringArrayField(object, 'groups'),
        choices: stringArrayField(object, 'choices'),
        endsAtMs: integerField(object, 'endsAtMs'),
      };
    case 'cast-vote':
      return {
        kind,
        atMs,
        actor: decodeActor(object),
        election: stringField(object, 'election'),
        choice: stringField(object, 'choice'),
      };
    default:
      throw new DecodeError(`unknown command kind ${JSON.stringify(kind).slice(0, 40)}`);
  }
}

function decodeActor(object: JsonObject): Actor {
  const fields = asObject(object['actor'], 'field actor');
  return { voter: stringField(fields, 'voter'), registration: integerField(fields, 'registration') };
}
