import type { RegisterVoterReason, UnregisterVoterReason } from '../../../../core/protocol/status-codes.ts';
import type { FeatureMessages } from '../../i18n/index.ts';

export interface VotersMessages {
  readonly title: string;
  readonly register: {
    readonly heading: string;
    readonly name: string;
    readonly nameHint: string;
    readonly group: string;
    readonly groupHint: string;
    readonly credential: string;
    readonly newCredential: string;
    readonly existingKey: string;
    readonly publicKey: string;
    readonly publicKeyHint: string;
    readonly submit: string;
    readonly submitting: string;
    readonly nameMissing: string;
    readonly groupMissing: string;
    readonly registered: string;
    readonly handOver: string;
    readonly next: string;
  };
  readonly publicKey: {
    readonly empty: string;
    readonly 'not-key-text': string;
    readonly 'wrong-length': string;
  };
  /** The station's refusals of a registration (`ok` needs no message). */
  readonly registerRefused: Readonly<Record<Exclude<RegisterVoterReason, 'ok'>, string>>;
  /** A write got no answer (why the station took no write is said in common-messages.ts). */
  readonly writeUnreachable: string;
  /** A name or group over the protocol's limit (`{max}` bytes), found before sending. */
  readonly tooLong: { readonly name: string; readonly group: string };
  readonly list: {
    readonly heading: string;
    readonly search: string;
    readonly searchHint: string;
    readonly total: string;
    readonly matching: string;
    readonly loadingTotal: string;
    readonly table: string;
    readonly scrollHint: string;
    readonly name: string;
    readonly group: string;
    readonly actions: string;
    readonly loadingRow: string;
    readonly unregister: string;
    readonly unregisterLabel: string;
    readonly unreachable: string;
    readonly retry: string;
    readonly empty: string;
    readonly noMatch: string;
  };
  readonly unregister: {
    readonly title: string;
    readonly body: string;
    readonly keep: string;
    readonly confirm: string;
    readonly working: string;
    readonly done: string;
  };
  readonly unregisterRefused: Readonly<Record<Exclude<UnregisterVoterReason, 'ok'>, string>>;
  readonly import: {
    readonly heading: string;
    readonly file: string;
    readonly fileHint: string;
    readonly start: string;
    readonly reading: string;
    readonly cancel: string;
    readonly stopping: string;
    readonly progressLabel: string;
    readonly progress: string;
    readonly fileMissing: string;
    readonly fileTooLarge: string;
    readonly unreadable: string;
    readonly registered: string;
    readonly notRegistered: string;
    readonly cancelled: string;
    readonly stopped: string;
    readonly reportHeading: string;
    readonly reportShown: string;
    readonly saveReport: string;
    readonly row: string;
    readonly name: string;
    readonly reason: string;
    readonly credentialsHeading: string;
    readonly credentialsIntro: string;
    readonly saveCredentials: string;
    readonly showCards: string;
    readonly hideCards: string;
    readonly cardsRange: string;
    readonly previousCards: string;
    readonly nextCards: string;
    readonly printCards: string;
    readonly clear: string;
  };
  readonly csv: {
    readonly empty: string;
    readonly 'missing-columns': string;
    readonly 'unknown-column': string;
    readonly 'duplicate-column': string;
    readonly 'no-rows': string;
    readonly 'too-many-rows': string;
  };
  readonly row: {
    readonly 'field-count': string;
    readonly 'bad-quotes': string;
    readonly 'missing-name': string;
    readonly 'missing-group': string;
    readonly 'key-not-text': string;
    readonly 'key-wrong-length': string;
    readonly 'duplicate-name': string;
  };
}

export const votersMessages: FeatureMessages<{ voters: VotersMessages }> = {
  en: {
    voters: {
      title: 'Voters',
      register: {
        heading: 'Register a voter',
        name: 'Name',
        nameHint: 'As it appears on the voter’s credential. Each name can be registered once.',
        group: 'Group',
        groupHint: 'For example a district or a class; elections are open to chosen groups.',
        credential: 'Credential',
        newCredential: 'Create a new credential (file and printable card)',
        existingKey: 'Use the voter’s existing public key',
        publicKey: 'Public key',
        publicKeyHint: '32 bytes, as base64 (44 characters) or hexadecimal (64 digits).',
        submit: 'Register voter',
        submitting: 'Registering…',
        nameMissing: 'Enter the voter’s name.',
        groupMissing: 'Enter the voter’s group.',
        registered: '{name} is registered in group {group}.',
        handOver:
          'Hand the credential over now: save the file or print the card. It is shown only once and cannot be made again.',
        next: 'Done, next voter',
      },
      publicKey: {
        empty: 'Paste the voter’s public key.',
        'not-key-text':
          'This is neither base64 nor hexadecimal text. Paste the public key exactly as you received it.',
        'wrong-length': 'This key is {bytes} bytes long; a public key is exactly 32 bytes.',
      },
      registerRefused: {
        'voter-exists': 'A voter named “{name}” is already registered. Choose another name.',
        'invalid-name':
          'This name cannot be used: it must be at most 256 bytes of printable text, without line breaks or control characters.',
        'invalid-group':
          'This group cannot be used: it must be at most 128 bytes of printable text, without line breaks or control characters.',
        'invalid-public-key': 'The station refused this public key: it must be exactly 32 bytes.',
        'register-full':
          'The station holds as many voters as it can (10,000,000). No more can be registered.',
      },
      writeUnreachable:
        'The station did not answer, so the change may or may not have been saved. Check the list of voters before trying again.',
      tooLong: {
        name: 'This name is too long: at most {max} bytes (a Chinese character takes 3).',
        group: 'This group is too long: at most {max} bytes (a Chinese character takes 3).',
      },
      list: {
        heading: 'Registered voters',
        search: 'Search by name or group',
        searchHint: 'The list shows every voter whose name or group contains this text.',
        total: 'No voters are registered. | 1 voter is registered. | {count} voters are registered.',
        matching:
          'No voter matches “{search}”. | 1 voter matches “{search}”. | {count} voters match “{search}”.',
        loadingTotal: 'Loading the list of voters…',
        table: 'Registered voters',
        scrollHint: 'Scroll the list with the arrow keys, or press Tab to move from voter to voter.',
        name: 'Name',
        group: 'Group',
        actions: 'Actions',
        loadingRow: 'Loading…',
        unregister: 'Unregister',
        unregisterLabel: 'Unregister {name}',
        unreachable: 'The list of voters could not be loaded: the station did not answer.',
        retry: 'Try again',
        empty: 'Register the first voter above, or import a CSV file below.',
        noMatch: 'Try a shorter part of the name or group.',
      },
      unregister: {
        title: 'Unregister {name}?',
        body: '{name} will no longer be able to sign in and vote. Votes already cast stay counted. This cannot be undone.',
        keep: 'Keep {name}',
        confirm: 'Unregister {name}',
        working: 'Unregistering…',
        done: '{name} is unregistered.',
      },
      unregisterRefused: {
        'unknown-voter': '{name} is not registered (someone may have unregistered them already).',
        'invalid-name': 'The station refused the name “{name}” as invalid.',
      },
      import: {
        heading: 'Import voters from a CSV file',
        file: 'CSV file',
        fileHint:
          'The first line names the columns: name, group and, optionally, publicKey (base64 or hexadecimal). Voters without a public key get a new credential. At most 10 MB and 100,000 voters.',
        start: 'Import voters',
        reading: 'Reading the file…',
        cancel: 'Stop import',
        stopping: 'Stopping after the rows in progress…',
        progressLabel: 'Import progress',
        progress: '{done} of {total}',
        fileMissing: 'Choose a CSV file first.',
        fileTooLarge:
          'This file is {size} MB; at most 10 MB can be imported at once. Split it into smaller files.',
        unreadable: 'This file could not be read. Choose it again, or save it again as CSV (UTF-8).',
        registered: '{registered} of {total} voters registered.',
        notRegistered:
          '1 row was not registered; see the table below. | {count} rows were not registered; see the table below.',
        cancelled: 'Import stopped: 1 row was not tried. | Import stopped: {count} rows were not tried.',
        stopped: 'Import stopped: {reason}',
        reportHeading: 'Rows not registered',
        reportShown:
          'Showing the first {shown} of {count} rows not registered; save the report to see them all.',
        saveReport: 'Save the report (CSV)',
        row: 'Row',
        name: 'Name',
        reason: 'Reason',
        credentialsHeading: 'New credentials',
        credentialsIntro:
          '1 voter got a new credential. Hand it over now: it is shown only on this screen. | {count} voters got a new credential. Hand them over now: they are shown only on this screen.',
        saveCredentials: 'Save all new credentials (one file)',
        showCards: 'Show printable cards',
        hideCards: 'Hide cards',
        cardsRange: 'Cards {from} to {to} of {total}',
        previousCards: 'Previous cards',
        nextCards: 'Next cards',
        printCards: 'Print these cards',
        clear: 'Done, clear the import',
      },
      csv: {
        empty: 'This file is empty.',
        'missing-columns':
          'The first line must name the columns. Missing: {columns}. Expected: name, group and, optionally, publicKey.',
        'unknown-column':
          'The first line names an unknown column, “{column}”. Allowed: name, group, publicKey.',
        'duplicate-column': 'The first line names the column “{column}” twice.',
        'no-rows': 'This file names the columns but lists no voters.',
        'too-many-rows':
          'This file lists {rows} voters; at most {max} can be imported at once. Split it into smaller files.',
      },
      row: {
        'field-count': 'Has {found} fields; the first line names {expected} columns.',
        'bad-quotes': 'A quotation mark is not closed or is out of place.',
        'missing-name': 'The name is empty.',
        'missing-group': 'The group is empty.',
        'key-not-text': 'The public key is neither base64 nor hexadecimal text.',
        'key-wrong-length': 'The public key is {bytes} bytes long; it must be exactly 32.',
        'duplicate-name': 'The same name as row {row}.',
      },
    },
  },
  'zh-TW': {
    voters: {
      title: '選民',
      register: {
        heading: '登記選民',
        name: '姓名',
        nameHint: '與選民憑證上顯示的相同。每個姓名只能登記一次。',
        group: '組別',
        groupHint: '例如選區或班級；選舉會開放給指定的組別。',
        credential: '憑證',
        newCredential: '建立新憑證（檔案及可列印的卡片）',
        existingKey: '使用選民既有的公開金鑰',
        publicKey: '公開金鑰',
        publicKeyHint: '32 位元組，以 base64（44 個字元）或十六進位（64 位數）表示。',
        submit: '登記選民',
        submitting: '登記中…',
        nameMissing: '請輸入選民的姓名。',
        groupMissing: '請輸入選民的組別。',
        registered: '{name} 已登記於組別 {group}。',
        handOver: '請立即交付憑證：儲存檔案或列印卡片。憑證只顯示這一次，之後無法重新產生。',
        next: '完成，下一位選民',
      },
      publicKey: {
        empty: '請貼上選民的公開金鑰。',
        'not-key-text': '這不是 base64 或十六進位文字。請依收到的原樣貼上公開金鑰。',
        'wrong-length': '此金鑰長度為 {bytes} 位元組；公開金鑰必須剛好是 32 位元組。',
      },
      registerRefused: {
        'voter-exists': '名為「{name}」的選民已經登記。請使用其他姓名。',
        'invalid-name': '此姓名無法使用：必須是最多 256 位元組的可列印文字，不可包含換行或控制字元。',
        'invalid-group': '此組別無法使用：必須是最多 128 位元組的可列印文字，不可包含換行或控制字元。',
        'invalid-public-key': '投票站拒絕此公開金鑰：必須剛好是 32 位元組。',
        'register-full': '投票站的選民人數已達上限（10,000,000 人），無法再登記。',
      },
      writeUnreachable: '投票站沒有回應，變更可能已儲存，也可能沒有。再試一次之前，請先查看選民名單。',
      tooLong: {
        name: '姓名太長：最多 {max} 位元組（一個中文字占 3 位元組）。',
        group: '組別名稱太長：最多 {max} 位元組（一個中文字占 3 位元組）。',
      },
      list: {
        heading: '已登記的選民',
        search: '依姓名或組別搜尋',
        searchHint: '名單會列出姓名或組別包含此文字的所有選民。',
        total: '尚無已登記的選民。 | 已登記 {count} 位選民。 | 已登記 {count} 位選民。',
        matching:
          '沒有符合「{search}」的選民。 | {count} 位選民符合「{search}」。 | {count} 位選民符合「{search}」。',
        loadingTotal: '正在載入選民名單…',
        table: '已登記的選民',
        scrollHint: '可用方向鍵捲動名單，或按 Tab 鍵逐一移到每位選民。',
        name: '姓名',
        group: '組別',
        actions: '操作',
        loadingRow: '載入中…',
        unregister: '取消登記',
        unregisterLabel: '取消登記 {name}',
        unreachable: '無法載入選民名單：投票站沒有回應。',
        retry: '再試一次',
        empty: '請在上方登記第一位選民，或在下方匯入 CSV 檔案。',
        noMatch: '請改用姓名或組別中較短的一部分搜尋。',
      },
      unregister: {
        title: '要取消登記 {name} 嗎？',
        body: '{name} 將無法再登入投票。已投下的票仍會計入。此動作無法復原。',
        keep: '保留 {name}',
        confirm: '取消登記 {name}',
        working: '正在取消登記…',
        done: '已取消登記 {name}。',
      },
      unregisterRefused: {
        'unknown-voter': '{name} 並未登記（可能已被其他人取消登記）。',
        'invalid-name': '投票站認為姓名「{name}」無效而拒絕。',
      },
      import: {
        heading: '從 CSV 檔案匯入選民',
        file: 'CSV 檔案',
        fileHint:
          '第一行為欄位名稱：name（姓名）、group（組別），以及選填的 publicKey（公開金鑰，base64 或十六進位）。沒有公開金鑰的選民會取得新憑證。檔案最大 10 MB，最多 100,000 位選民。',
        start: '匯入選民',
        reading: '正在讀取檔案…',
        cancel: '停止匯入',
        stopping: '處理中的資料列完成後即停止…',
        progressLabel: '匯入進度',
        progress: '{done} / {total}',
        fileMissing: '請先選擇 CSV 檔案。',
        fileTooLarge: '此檔案大小為 {size} MB；一次最多只能匯入 10 MB。請將檔案分割成較小的檔案。',
        unreadable: '無法讀取此檔案。請重新選擇，或重新另存為 CSV（UTF-8）。',
        registered: '已登記 {registered} / {total} 位選民。',
        notRegistered: '有 {count} 列未能登記，詳見下表。 | 有 {count} 列未能登記，詳見下表。',
        cancelled: '已停止匯入：有 {count} 列未處理。 | 已停止匯入：有 {count} 列未處理。',
        stopped: '已停止匯入：{reason}',
        reportHeading: '未能登記的資料列',
        reportShown: '僅顯示 {count} 列未登記資料中的前 {shown} 列；請儲存報告以查看全部。',
        saveReport: '儲存報告（CSV）',
        row: '列',
        name: '姓名',
        reason: '原因',
        credentialsHeading: '新憑證',
        credentialsIntro:
          '{count} 位選民取得新憑證。請立即交付：憑證只會在此畫面顯示。 | {count} 位選民取得新憑證。請立即交付：憑證只會在此畫面顯示。',
        saveCredentials: '儲存所有新憑證（單一檔案）',
        showCards: '顯示可列印的卡片',
        hideCards: '隱藏卡片',
        cardsRange: '第 {from} 至 {to} 張卡片，共 {total} 張',
        previousCards: '上一批卡片',
        nextCards: '下一批卡片',
        printCards: '列印這些卡片',
        clear: '完成，清除匯入結果',
      },
      csv: {
        empty: '此檔案是空的。',
        'missing-columns': '第一行必須為欄位名稱。缺少：{columns}。應有：name、group，以及選填的 publicKey。',
        'unknown-column': '第一行有不明的欄位「{column}」。可用的欄位：name、group、publicKey。',
        'duplicate-column': '第一行的欄位「{column}」重複出現。',
        'no-rows': '此檔案有欄位名稱，但沒有任何選民。',
        'too-many-rows': '此檔案列有 {rows} 位選民；一次最多只能匯入 {max} 位。請將檔案分割成較小的檔案。',
      },
      row: {
        'field-count': '有 {found} 個欄位；第一行列出 {expected} 個欄位。',
        'bad-quotes': '引號未閉合或位置錯誤。',
        'missing-name': '姓名空白。',
        'missing-group': '組別空白。',
        'key-not-text': '公開金鑰不是 base64 或十六進位文字。',
        'key-wrong-length': '公開金鑰長度為 {bytes} 位元組；必須剛好是 32 位元組。',
        'duplicate-name': '與第 {row} 列的姓名相同。',
      },
    },
  },
};
