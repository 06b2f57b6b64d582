import { describe, expect, it } from 'vitest';
import { parsePublicKeyText } from '../../../renderer/src/features/voters/public-key-text.ts';
import { runPooled } from '../../../renderer/src/features/voters/run-pooled.ts';
import { csvImportLimits, parseVoterCsv } from '../../../renderer/src/features/voters/voter-csv.ts';

const key = Uint8Array.from({ length: 32 }, (_, index) => index * 7);
const hex = Array.from(key, (byte) => byte.toString(16).padStart(2, '0')).join('');
const base64 = btoa(String.fromCharCode(...key));

describe('a public key as text', () => {
  it.each([
    ['base64', base64],
    ['base64 without padding', base64.replace(/=+$/, '')],
    ['URL-safe base64', base64.replace(/\+/g, '-').replace(/\//g, '_')],
    ['hexadecimal', hex],
    ['upper-case hexadecimal', hex.toUpperCase()],
    ['hexadecimal in groups over lines', `${hex.slice(0, 32)}\n${hex.slice(32)}  `],
  ])('reads %s', (_form, text) => {
    expect(parsePublicKeyText(text)).toEqual({ publicKey: key });
  });

  it.each([
    ['', { problem: 'empty' }],
    ['  \n', { problem: 'empty' }],
    ['not a key!', { problem: 'not-key-text' }],
    ['ed25519:abc', { problem: 'not-key-text' }],
    ['a', { problem: 'not-key-text' }],
    [hex.slice(0, 62), { problem: 'wrong-length', bytes: 31 }],
    [`${hex}00`, { problem: 'wrong-length', bytes: 33 }],
    [btoa('x'.repeat(64)), { problem: 'wrong-length', bytes: 64 }],
  ])('refuses %j precisely', (text, problem) => {
    expect(parsePublicKeyText(text)).toEqual(problem);
  });
});

describe('a CSV file of voters', () => {
  it('reads name, group and an optional key, in any column order and letter case, numbering rows as a spreadsheet does', () => {
    const parsed = parseVoterCsv(
      `\uFEFFGroup,NAME,publickey\r\nA,Chen Mei,\r\n B , Lin ,${hex}\r\n\r\n"C, east","Wang ""Jr""",${base64}\r\n`,
    );
    expect(parsed).toEqual({
      rows: [
        { rowNumber: 2, name: 'Chen Mei', group: 'A', publicKey: null },
        { rowNumber: 3, name: 'Lin', group: 'B', publicKey: key },
        { rowNumber: 5, name: 'Wang "Jr"', group: 'C, east', publicKey: key },
      ],
      rejected: [],
    });
  });

  it('accepts files without a key column', () => {
    expect(parseVoterCsv('name,group\nChen,A\n')).toEqual({
      rows: [{ rowNumber: 2, name: 'Chen', group: 'A', publicKey: null }],
      rejected: [],
    });
  });

  it('reports each bad row with its number and the precise problem, and keeps the good ones', () => {
    const parsed = parseVoterCsv(
      [
        'name,group,publicKey',
        'Chen,A,',
        ',A,',
        'Lin,,',
        'Wang,B,zzz!',
        `Lee,B,${hex.slice(2)}`,
        'Chen,C,',
        'Too,many,,fields',
        'Ho,D,',
        `${'名'.repeat(86)},E,`,
        `Kao,${'組'.repeat(43)},`,
      ].join('\n'),
    );
    expect(parsed).toEqual({
      rows: [
        { rowNumber: 2, name: 'Chen', group: 'A', publicKey: null },
        { rowNumber: 9, name: 'Ho', group: 'D', publicKey: null },
      ],
      rejected: [
        { rowNumber: 3, name: '', problem: { problem: 'missing-name' } },
        { rowNumber: 4, name: 'Lin', problem: { problem: 'missing-group' } },
        { rowNumber: 5, name: 'Wang', problem: { problem: 'public-key', key: { problem: 'not-key-text' } } },
        {
          rowNumber: 6,
          name: 'Lee',
          problem: { problem: 'public-key', key: { problem: 'wrong-length', bytes: 31 } },
        },
        { rowNumber: 7, name: 'Chen', problem: { problem: 'duplicate-name', firstRow: 2 } },
        { rowNumber: 8, name: 'Too', problem: { problem: 'field-count', found: 4, expected: 3 } },
        // Over the protocol's limits in UTF-8 bytes (256 for a name, 128 for a group): 86 and 43 Chinese characters.
        { rowNumber: 10, name: '名'.repeat(86), problem: { problem: 'name-too-long' } },
        { rowNumber: 11, name: 'Kao', problem: { problem: 'group-too-long' } },
      ],
    });
  });

  it.each([
    ['', { problem: 'empty' }],
    ['\n\n', { problem: 'empty' }],
    ['name\nChen\n', { problem: 'missing-columns', columns: ['group'] }],
    ['Chen,A\nLin,B\n', { problem: 'unknown-column', column: 'Chen' }],
    ['name,group,email\n', { problem: 'unknown-column', column: 'email' }],
    ['name,group,Name\n', { problem: 'duplicate-column', column: 'name' }],
    ['name,group\n\n', { problem: 'no-rows' }],
  ])('refuses the file %j with a precise reason', (text, problem) => {
    expect(parseVoterCsv(text)).toEqual(problem);
  });

  it('refuses more rows than can be imported at once', () => {
    const rows = Array.from({ length: csvImportLimits.rowsMax + 1 }, (_, index) => `v${index},A`);
    expect(parseVoterCsv(['name,group', ...rows].join('\n'))).toEqual({
      problem: 'too-many-rows',
      rows: csvImportLimits.rowsMax + 1,
    });
  });
});

describe('working through rows a few at a time', () => {
  it('never has more than the limit in flight, keeps the order of starts, and stops starting when told', async () => {
    let inFlight = 0;
    let inFlightMost = 0;
    const started: number[] = [];
    const items = Array.from({ length: 50 }, (_, index) => index);
    const count = await runPooled(
      items,
      4,
      async (item) => {
        started.push(item);
        inFlight += 1;
        inFlightMost = Math.max(inFlightMost, inFlight);
        await new Promise((resolve) => setTimeout(resolve, item % 3));
        inFlight -= 1;
      },
      () => started.length >= 20,
    );
    expect(inFlightMost).toBe(4);
    expect(count).toBe(20);
    expect(started).toEqual(items.slice(0, 20));
    expect(inFlight).toBe(0);
  });
});
