import { describe, expect, it } from 'vitest';
import {
  resultCsv,
  resultFileName,
  resultJson,
  tally,
} from '../../../renderer/src/features/results/result-report.ts';

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
    });
    expect(JSON.parse(text)).toEqual({
      election: 'Mayor "2030"',
      stationId: 'station-a',
      exportedAt: '2030-05-02T10:00:05.120Z',
      counts: [
        { choice: 'Chen', count: 3 },
        { choice: 'Lin, Jr.', count: 1 },
      ],
    });
    expect(Object.keys(JSON.parse(text) as object)).toEqual([
      'election',
      'stationId',
      'exportedAt',
      'counts',
    ]);
    expect(text.endsWith('}\n')).toBe(true);
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
  });
});
