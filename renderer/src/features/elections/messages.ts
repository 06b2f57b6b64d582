import type { FeatureMessages } from '../../i18n/index.ts';

/** Messages for a one-per-line list field (groups, choices). */
interface ListProblems {
  readonly missing: string;
  readonly tooMany: string;
  readonly tooLong: string;
  readonly duplicate: string;
  readonly duplicateStation: string;
  readonly invalid: string;
}

export interface ElectionsMessages {
  readonly title: string;
  readonly create: {
    readonly heading: string;
    readonly name: string;
    readonly groups: string;
    readonly groupsHint: string;
    readonly choices: string;
    readonly choicesHint: string;
    readonly groupCount: string;
    readonly choiceCount: string;
    readonly endsAt: string;
    readonly endDate: string;
    readonly endTime: string;
    readonly zone: string;
    readonly submit: string;
    readonly submitting: string;
    readonly created: string;
  };
  readonly problem: {
    readonly name: {
      readonly missing: string;
      readonly tooLong: string;
      readonly invalid: string;
      readonly exists: string;
    };
    readonly groups: ListProblems;
    readonly choices: ListProblems;
    readonly endsAt: {
      readonly missing: string;
      readonly invalid: string;
      readonly nonexistent: string;
      readonly notInFuture: string;
      readonly tooFar: string;
    };
    readonly station: {
      readonly invalidToken: string;
      readonly tooManyElections: string;
      readonly unreachable: string;
    };
    readonly code: string;
  };
  readonly list: {
    readonly heading: string;
    readonly loading: string;
    readonly unreachable: string;
    readonly empty: string;
    readonly name: string;
    readonly groups: string;
    readonly choices: string;
    readonly ends: string;
    readonly state: string;
    readonly votes: string;
    readonly open: string;
    readonly closed: string;
    readonly left: string;
    readonly days: string;
    readonly ending: string;
  };
}

export const electionsMessages: FeatureMessages<{ elections: ElectionsMessages }> = {
  en: {
    elections: {
      title: 'Elections',
      create: {
        heading: 'New election',
        name: 'Name of the election',
        groups: 'Groups that may vote',
        groupsHint: 'One group per line. Only voters registered in these groups can vote.',
        choices: 'Choices',
        choicesHint: 'One choice per line, in the order the ballot shows them.',
        groupCount: 'No group entered yet. | 1 group entered. | {n} groups entered.',
        choiceCount: 'No choice entered yet. | 1 choice entered. | {n} choices entered.',
        endsAt: 'Voting ends',
        endDate: 'End date',
        endTime: 'End time',
        zone: 'Time zone of this screen: {zone}',
        submit: 'Create election',
        submitting: 'Creating…',
        created: 'Election “{name}” created. Voting ends {end}.',
      },
      problem: {
        name: {
          missing: 'Enter a name for the election.',
          tooLong: 'This name is too long: at most {max} bytes (a Chinese character takes 3).',
          invalid: 'The station refused this name: it is blank, too long, or contains control characters.',
          exists: 'An election with this name already exists. Choose another name.',
        },
        groups: {
          missing: 'Enter at least one group.',
          tooMany: 'Too many groups: {count} entered, at most {max} allowed.',
          tooLong: 'The group “{item}” is too long: at most {max} bytes (a Chinese character takes 3).',
          duplicate: 'The group “{item}” is listed more than once. Keep one line for it.',
          duplicateStation: 'A group is listed more than once. Keep one line for each group.',
          invalid:
            'The station refused a group name: one is blank, too long, or contains control characters.',
        },
        choices: {
          missing: 'Enter at least one choice.',
          tooMany: 'Too many choices: {count} entered, at most {max} allowed.',
          tooLong: 'The choice “{item}” is too long: at most {max} bytes (a Chinese character takes 3).',
          duplicate: 'The choice “{item}” is listed more than once. Keep one line for it.',
          duplicateStation: 'A choice is listed more than once. Keep one line for each choice.',
          invalid: 'The station refused a choice: one is blank, too long, or contains control characters.',
        },
        endsAt: {
          missing: 'Enter both the end date and the end time.',
          invalid: 'This is not a valid date and time.',
          nonexistent:
            'This time does not exist in this time zone (the clocks skip it). Choose another time.',
          notInFuture: 'The end must be later than the station’s current time.',
          tooFar: 'The end is too far away: an election may run for at most ten years.',
        },
        station: {
          invalidToken: 'The station no longer accepts your sign-in. Sign out and sign in again.',
          tooManyElections:
            'The station holds as many elections as it can ({electionsMax}). No more can be created.',
          unreachable:
            'The station did not answer. Check the list of elections before trying again: the election may have been created.',
        },
        code: 'Code for support: {code}',
      },
      list: {
        heading: 'All elections',
        loading: 'Loading elections…',
        unreachable: 'The list of elections could not be loaded: the station did not answer.',
        empty: 'No elections yet.',
        name: 'Name',
        groups: 'Groups',
        choices: 'Choices',
        ends: 'Voting ends',
        state: 'State',
        votes: 'Votes cast',
        open: 'Open',
        closed: 'Closed',
        left: '{time} left',
        days: '{n} day | {n} days',
        ending: 'Closing now',
      },
    },
  },
  'zh-TW': {
    elections: {
      title: '選舉',
      create: {
        heading: '新增選舉',
        name: '選舉名稱',
        groups: '可投票的組別',
        groupsHint: '每行一個組別。只有登記在這些組別的選民可以投票。',
        choices: '選項',
        choicesHint: '每行一個選項，依選票上顯示的順序排列。',
        groupCount: '尚未輸入組別。 | 已輸入 1 個組別。 | 已輸入 {n} 個組別。',
        choiceCount: '尚未輸入選項。 | 已輸入 1 個選項。 | 已輸入 {n} 個選項。',
        endsAt: '投票截止',
        endDate: '截止日期',
        endTime: '截止時間',
        zone: '本畫面的時區：{zone}',
        submit: '建立選舉',
        submitting: '建立中…',
        created: '已建立選舉「{name}」。投票於 {end} 截止。',
      },
      problem: {
        name: {
          missing: '請輸入選舉名稱。',
          tooLong: '名稱太長：最多 {max} 位元組（一個中文字占 3 位元組）。',
          invalid: '投票站拒絕此名稱：名稱空白、太長，或含有控制字元。',
          exists: '已有同名的選舉，請改用其他名稱。',
        },
        groups: {
          missing: '請至少輸入一個組別。',
          tooMany: '組別太多：輸入了 {count} 個，最多 {max} 個。',
          tooLong: '組別「{item}」太長：最多 {max} 位元組（一個中文字占 3 位元組）。',
          duplicate: '組別「{item}」重複出現，請只保留一行。',
          duplicateStation: '有組別重複出現，每個組別請只保留一行。',
          invalid: '投票站拒絕某個組別名稱：名稱空白、太長，或含有控制字元。',
        },
        choices: {
          missing: '請至少輸入一個選項。',
          tooMany: '選項太多：輸入了 {count} 個，最多 {max} 個。',
          tooLong: '選項「{item}」太長：最多 {max} 位元組（一個中文字占 3 位元組）。',
          duplicate: '選項「{item}」重複出現，請只保留一行。',
          duplicateStation: '有選項重複出現，每個選項請只保留一行。',
          invalid: '投票站拒絕某個選項：選項空白、太長，或含有控制字元。',
        },
        endsAt: {
          missing: '請輸入截止日期與截止時間。',
          invalid: '這不是有效的日期與時間。',
          nonexistent: '此時區沒有這個時間（時鐘會跳過）。請選擇其他時間。',
          notInFuture: '截止時間必須晚於投票站目前的時間。',
          tooFar: '截止時間太遠：一場選舉最長可進行十年。',
        },
        station: {
          invalidToken: '投票站已不接受您的登入。請登出後重新登入。',
          tooManyElections: '投票站的選舉數量已達上限（{electionsMax} 場），無法再新增。',
          unreachable: '投票站沒有回應。再試一次之前，請先查看選舉清單：選舉可能已經建立。',
        },
        code: '支援代碼：{code}',
      },
      list: {
        heading: '所有選舉',
        loading: '正在載入選舉…',
        unreachable: '無法載入選舉清單：投票站沒有回應。',
        empty: '目前沒有選舉。',
        name: '名稱',
        groups: '組別',
        choices: '選項',
        ends: '投票截止',
        state: '狀態',
        votes: '投票人數',
        open: '投票中',
        closed: '已截止',
        left: '剩餘 {time}',
        days: '{n} 天',
        ending: '即將截止',
      },
    },
  },
};
