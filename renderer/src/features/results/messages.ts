import type { FeatureMessages } from '../../i18n/index.ts';

export interface ResultsMessages {
  readonly title: string;
  readonly choose: {
    readonly label: string;
    readonly placeholder: string;
    readonly noneClosed: string;
    readonly openHeading: string;
    readonly resultsAfter: string;
    readonly nowClosed: string;
  };
  readonly loading: string;
  readonly unreachable: string;
  readonly refused: {
    readonly 'election-ongoing': string;
    readonly 'unknown-election': string;
  };
  readonly code: string;
  readonly report: {
    readonly heading: string;
    readonly ended: string;
    readonly stamp: string;
    readonly station: string;
  };
  readonly table: {
    readonly caption: string;
    readonly choice: string;
    readonly votes: string;
    readonly share: string;
    readonly total: string;
    readonly noShare: string;
    readonly noVotes: string;
  };
  readonly chart: {
    readonly label: string;
    readonly failed: string;
  };
  readonly conflicts: {
    readonly scope: string;
  };
  readonly actions: {
    readonly label: string;
    readonly csv: string;
    readonly conflictsCsv: string;
    readonly json: string;
    readonly print: string;
  };
}

export const resultsMessages: FeatureMessages<{ results: ResultsMessages }> = {
  en: {
    results: {
      title: 'Results',
      choose: {
        label: 'Closed election',
        placeholder: 'Choose an election',
        noneClosed: 'No election has closed yet.',
        openHeading: 'Still open',
        resultsAfter: 'Results after {end}',
        nowClosed: '“{name}” has closed. Its results can be shown now.',
      },
      loading: 'Asking the station for the result…',
      unreachable: 'The result could not be loaded: the station did not answer.',
      refused: {
        'election-ongoing':
          'Voting in “{name}” is still open. Results are given only after it ends: there is no partial count.',
        'unknown-election': 'The station has no election called “{name}”.',
      },
      code: 'Code for support: {code}',
      report: {
        heading: 'Result of “{name}”',
        ended: 'Voting ended {end}',
        stamp: 'Report printed {stamp}',
        station: 'Station {id}',
      },
      table: {
        caption: 'Votes for each choice in “{name}”',
        choice: 'Choice',
        votes: 'Votes',
        share: 'Share',
        total: 'Total',
        noShare: 'no votes',
        noVotes: 'No votes were cast in this election.',
      },
      chart: {
        label: 'Bar chart of the votes for each choice in “{name}”. The table has the same figures.',
        failed: 'The chart could not be drawn. The table shows the same figures.',
      },
      conflicts: {
        scope:
          'This report is the whole station’s, not only this election’s. It goes with the results in the JSON file and in the printed report.',
      },
      actions: {
        label: 'Export and print',
        csv: 'Save as CSV',
        conflictsCsv: 'Save conflict report as CSV',
        json: 'Save as JSON',
        print: 'Print report',
      },
    },
  },
  'zh-TW': {
    results: {
      title: '開票結果',
      choose: {
        label: '已截止的選舉',
        placeholder: '請選擇選舉',
        noneClosed: '目前沒有已截止的選舉。',
        openHeading: '仍在投票中',
        resultsAfter: '{end} 後公布結果',
        nowClosed: '「{name}」已截止，現在可以查看結果。',
      },
      loading: '正在向投票站取得結果…',
      unreachable: '無法載入結果：投票站沒有回應。',
      refused: {
        'election-ongoing': '「{name}」仍在投票中。結果只在投票截止後公布，不提供中途計票。',
        'unknown-election': '投票站沒有名為「{name}」的選舉。',
      },
      code: '支援代碼：{code}',
      report: {
        heading: '「{name}」開票結果',
        ended: '投票於 {end} 截止',
        stamp: '報表列印時間：{stamp}',
        station: '投票站 {id}',
      },
      table: {
        caption: '「{name}」各選項得票數',
        choice: '選項',
        votes: '票數',
        share: '得票率',
        total: '總計',
        noShare: '無票',
        noVotes: '此選舉沒有任何投票。',
      },
      chart: {
        label: '「{name}」各選項得票數長條圖。表格列有相同數字。',
        failed: '無法繪製圖表。表格列有相同數字。',
      },
      conflicts: {
        scope: '此報告涵蓋整個投票站，不只是這場選舉。它會隨結果一併收錄在 JSON 檔與列印的報表中。',
      },
      actions: {
        label: '匯出與列印',
        csv: '儲存為 CSV',
        conflictsCsv: '將衝突報告儲存為 CSV',
        json: '儲存為 JSON',
        print: '列印報表',
      },
    },
  },
};
