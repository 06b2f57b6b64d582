import { describe, expect, it } from 'vitest';
import {
  conflictCsv,
  resultCsv,
  resultFileName,
  resultJson,
  tally,
} from '../../../renderer/src/features/results/result-report.ts';
import { cleanMergeReport, sampleConflictReport } from '../support/conflict-report.ts';

describe('the table of a result', () => {
  it('gives each choice its share of all votes, and the total', () => {
    expect(
      tally([
        { choice: 'Chen', count: 3 },
        { choice: 'Lin', count: 1 },
        { choice: 'Wang', count: 0 },
      ]),
    ).toEqual({
      rows: [
        { choice: 'Chen', count: 3, share: 0.75 },
        { choice: 'Lin', count: 1, share: 0.25 },
        { choice: 'Wang', count: 0, share: 0 },
      ],
      total: 4,
    });
  });

  it('has no shares when nobody voted', () => {
    expect(tally([{ choice: 'Chen', count: 0 }])).toEqual({
      rows: [{ choice: 'Chen', count: 0, share: null }],
      total: 0,
    });
  });
});

describe('CSV export', () => {
  it('is the header and one row per choice in ballot order, with CRLF line ends', () => {
    expect(
      resultCsv([
        { choice: 'Chen', count: 12 },
        { choice: '林', count: 0 },
      ]),
    ).toBe('choice,votes\r\nChen,12\r\n林,0\r\n');
  });

  it('quotes fields with commas, quotes or line breaks as RFC 4180 says, and leaves others alone', () => {
    expect(
      resultCsv([
        { choice: 'Chen, Mei-ling', count: 1 },
        { choice: 'The "Green" list', count: 2 },
        { choice: 'two\nlines', count: 3 },
        { choice: 'carriage\rreturn', count: 4 },
        { choice: '"', count: 5 },
        { choice: ' spaced ', count: 6 },
      ]),
    ).toBe(
      'choice,votes\r\n' +
        '"Chen, Mei-ling",1\r\n' +
        '"The ""Green"" list",2\r\n' +
        '"two\nlines",3\r\n' +
        '"carriage\rreturn",4\r\n' +
        '"""",5\r\n' +
        ' spaced ,6\r\n',
    );
  });
});

describe('JSON export', () => {
  it('holds the election, the station, the moment of export in UTC and the counts', () => {
    const text = resultJson({
      election: 'Mayor "2030"',
      stationId: 'station-a',
      exportedAtMs: Date.UTC(2030, 4, 2, 10, 0, 5, 120),
      counts: [
        { choice: 'Chen', count: 3 },
        { choice: 'Lin, Jr.', count: 1 },
      ],
      conflicts: { merges: [], conflicts: [] },
    });
    expect(JSON.parse(text)).toEqual({
      election: 'Mayor "2030"',
      stationId: 'station-a',
      exportedAt: '2030-05-02T10:00:05.120Z',
      counts: [
        { choice: 'Chen', count: 3 },
        { choice: 'Lin, Jr.', count: 1 },
      ],
      conflicts: { merges: [], conflicts: [] },
    });
    expect(Object.keys(JSON.parse(text) as object)).toEqual([
      'election',
      'stationId',
      'exportedAt',
      'counts',
      'conflicts',
    ]);
    expect(text.endsWith('}\n')).toBe(true);
  });

  const exportOf = (conflicts: Parameters<typeof resultJson>[0]['conflicts']) =>
    JSON.parse(
      resultJson({ election: 'Mayor', stationId: 'station-a', exportedAtMs: 0, counts: [], conflicts }),
    ) as { conflicts: unknown };

  it('holds the conflict report with its times in UTC, and never a choice', () => {
    const { conflicts } = exportOf(sampleConflictReport);
    expect(conflicts).toEqual({
      merges: [
        { mergedAt: '2030-05-01T08:30:00.000Z', sourceStationId: 'station-b', commands: 42, applied: 36 },
      ],
      conflicts: expect.any(Array) as unknown,
    });
    expect(conflicts).toMatchObject({
      conflicts: [
        {
          kind: 'double-vote',
          mergedAt: '2030-05-01T08:30:00.000Z',
          sourceStationId: 'station-b',
          acceptedAt: '2030-05-01T08:10:05.000Z',
          command: 'cast-vote',
          member: 'Ada Lovelace',
          election: 'Mayor 2030',
          resolution: 'not-counted',
          renamedTo: null,
          reason: null,
        },
        { kind: 'election-name', election: 'Library budget', resolution: 'merged' },
        { kind: 'election-name', resolution: 'renamed', renamedTo: 'Park renovation (station-b)' },
        { kind: 'member-registration', command: 'register-voter', member: 'Dana Scully' },
        { kind: 'member-registration', command: 'cast-vote', election: 'Mayor 2030' },
        { kind: 'not-replayed', reason: 'election-closed' },
      ],
    });
    expect(JSON.stringify(conflicts)).not.toMatch(/choice/i);
  });

  it('says the conflict report is not known when it could not be loaded', () => {
    expect(exportOf(null).conflicts).toBeNull();
  });
});

describe('conflict report CSV', () => {
  const header =
    'record,mergedAt,sourceStationId,commands,applied,acceptedAt,kind,command,member,election,resolution,renamedTo,reason\r\n';

  it('is one header, a row per merge, then a row per conflict, with the JSON’s fields', () => {
    const lines = conflictCsv(sampleConflictReport).split('\r\n');
    expect(`${lines[0]}\r\n`).toBe(header);
    expect(lines.slice(1, 3)).toEqual([
      'merge,2030-05-01T08:30:00.000Z,station-b,42,36,,,,,,,,',
      'conflict,2030-05-01T08:30:00.000Z,station-b,,,2030-05-01T08:10:05.000Z,double-vote,cast-vote,Ada Lovelace,Mayor 2030,not-counted,,',
    ]);
    expect(lines[4]).toBe(
      'conflict,2030-05-01T08:30:00.000Z,station-b,,,2030-05-01T08:10:05.000Z,election-name,create-election,,Park renovation,renamed,Park renovation (station-b),',
    );
    expect(lines.at(-2)).toMatch(
      /,not-replayed,cast-vote,Fox Mulder,Library budget,not-counted,,election-closed$/,
    );
    // The header, one merge, six conflicts, and the empty string after the last CRLF.
    expect(lines).toHaveLength(9);
  });

  it('quotes names as RFC 4180 says, and is the header alone without merges', () => {
    const [first] = sampleConflictReport.conflicts;
    if (first === undefined) throw new Error('the sample report has conflicts');
    const quoted = conflictCsv({ merges: [], conflicts: [{ ...first, member: 'Lin, "Jr."' }] });
    expect(quoted).toContain(',"Lin, ""Jr.""",');
    expect(conflictCsv({ merges: [], conflicts: [] })).toBe(header);
    expect(conflictCsv(cleanMergeReport)).toBe(
      `${header}merge,2030-05-01T08:30:00.000Z,station-b,7,7,,,,,,,,\r\n`,
    );
  });
});

describe('file names', () => {
  it('are named after the election, without characters file systems refuse', () => {
    expect(resultFileName('Mayor 2030', 'csv')).toBe('Mayor 2030-results.csv');
    expect(resultFileName('市長選舉', 'json')).toBe('市長選舉-results.json');
    expect(resultFileName('a/b\\c:d*e?f"g<h>i|j', 'csv')).toBe('a_b_c_d_e_f_g_h_i_j-results.csv');
    expect(resultFileName('..', 'csv')).toBe('election-results.csv');
    expect(resultFileName('選'.repeat(200), 'csv')).toBe(`${'選'.repeat(120)}-results.csv`);
    expect(resultFileName('🗳'.repeat(130), 'csv')).toBe(`${'🗳'.repeat(120)}-results.csv`);
    expect(resultFileName('Mayor 2030', 'csv', 'conflicts')).toBe('Mayor 2030-conflicts.csv');
  });
});
