import type { AuditEntry, StationStatus } from '../../../../core/api/interface-api.ts';
import type { FeatureMessages } from '../../i18n/index.ts';

/** The warnings the station store derives from the status (stores/station.ts). */
type StationWarning = 'unprotected' | 'no-backup' | 'read-only';

export interface StationMessages {
  readonly title: string;
  readonly statusUnknown: string;
  readonly role: Readonly<Record<StationStatus['role'], string>>;
  readonly yes: string;
  readonly no: string;
  readonly unknown: string;
  readonly badge: {
    readonly label: string;
    readonly summary: string;
    readonly warning: Readonly<Record<StationWarning, string>>;
  };
  readonly warnings: {
    readonly heading: string;
    readonly prefix: string;
    readonly none: string;
    readonly unprotected: string;
    readonly 'no-backup': string;
    readonly readOnlyBackup: string;
    readonly readOnlyBackupAt: string;
    readonly readOnlyPrimary: string;
  };
  readonly self: {
    readonly heading: string;
    readonly role: string;
    readonly epoch: string;
    readonly stationId: string;
    readonly writable: string;
  };
  readonly peer: {
    readonly heading: string;
    readonly none: string;
    readonly stationId: string;
    readonly address: string;
    readonly connected: string;
    readonly inSync: string;
    readonly lag: string;
    readonly lagRecords: string;
  };
  readonly pairing: {
    readonly heading: string;
    readonly intro: string;
    readonly stepKey: string;
    readonly stepStart: string;
    readonly stepCheck: string;
    readonly stepPeer: string;
    readonly generate: string;
    readonly generateAnother: string;
    readonly hide: string;
    readonly key: string;
    readonly qrAlt: string;
    readonly secret: string;
    readonly notApplied: string;
  };
  readonly audit: {
    readonly heading: string;
    readonly caption: string;
    readonly loading: string;
    readonly unreachable: string;
    readonly empty: string;
    readonly time: string;
    readonly level: string;
    readonly event: string;
    readonly message: string;
    readonly levels: Readonly<Record<AuditEntry['level'], string>>;
  };
}

export const stationMessages: FeatureMessages<{ station: StationMessages }> = {
  en: {
    station: {
      title: 'Station',
      statusUnknown: 'The station’s status is not known yet.',
      role: { primary: 'Primary', backup: 'Backup' },
      yes: 'Yes',
      no: 'No',
      unknown: 'Not known',
      badge: {
        label: 'Station status',
        summary: '{role} · epoch {epoch}',
        warning: { unprotected: 'Unprotected', 'no-backup': 'No backup', 'read-only': 'Read-only' },
      },
      warnings: {
        heading: 'Warnings',
        prefix: 'Warning:',
        none: 'No warnings: a backup station holds everything this station has acknowledged.',
        unprotected:
          'Unprotected. Votes and changes acknowledged now exist on this machine only: if it fails, they are lost. Pair a backup station (see Pairing below).',
        'no-backup': 'No backup station is connected.',
        readOnlyBackup:
          'Read-only. This station is the backup: it takes no changes. Register voters and create elections on the primary station.',
        readOnlyBackupAt:
          'Read-only. This station is the backup: it takes no changes. Register voters and create elections on the primary station, at {address}.',
        readOnlyPrimary:
          'Read-only for a moment. This station is handing over to the other station and takes no changes until it has.',
      },
      self: {
        heading: 'This station',
        role: 'Role',
        epoch: 'Epoch',
        stationId: 'Station id',
        writable: 'Takes changes',
      },
      peer: {
        heading: 'Paired station',
        none: 'No paired station has been seen yet.',
        stationId: 'Station id',
        address: 'Address',
        connected: 'Connected',
        inSync: 'In sync',
        lag: 'Behind by',
        lagRecords: 'no records | 1 record | {count} records',
      },
      pairing: {
        heading: 'Pairing',
        intro:
          'Two stations protect each other when both are started with the same pairing key. One runs as the primary, the other as its backup; each change is acknowledged only once both hold it.',
        stepKey: 'Get a pairing key: run {command} on either machine, or generate one here.',
        stepStart:
          'Start both stations with that key: {command}, one with {primary} and the other with {backup}.',
        stepCheck: 'On the primary, this screen then shows the paired station as connected and in sync.',
        stepPeer:
          'The stations find each other on the local network. Where the network blocks this (multicast), also give each station the other’s address: {command}.',
        generate: 'Generate a pairing key',
        generateAnother: 'Generate another pairing key',
        hide: 'Hide the pairing key',
        key: 'Pairing key',
        qrAlt: 'QR code of the pairing key',
        secret:
          'Keep this key secret: anyone who has it can pair a station with this one. Letters O, I and L are read as 0, 1 and 1.',
        notApplied:
          'Generating a key here changes nothing on this station: it takes effect when both stations are started with it.',
      },
      audit: {
        heading: 'Station log',
        caption: 'What the station has done, newest first',
        loading: 'Loading the log…',
        unreachable: 'The earlier entries of the log could not be loaded. New entries still appear here.',
        empty: 'No entries yet.',
        time: 'Time',
        level: 'Level',
        event: 'Event',
        message: 'Message',
        levels: { info: 'Information', warn: 'Warning', error: 'Error' },
      },
    },
  },
  'zh-TW': {
    station: {
      title: '投票站',
      statusUnknown: '目前還不知道投票站的狀態。',
      role: { primary: '主站', backup: '備援站' },
      yes: '是',
      no: '否',
      unknown: '未知',
      badge: {
        label: '投票站狀態',
        summary: '{role} · 任期 {epoch}',
        warning: { unprotected: '未受保護', 'no-backup': '無備援', 'read-only': '唯讀' },
      },
      warnings: {
        heading: '警告',
        prefix: '警告：',
        none: '沒有警告：備援站保有此投票站已確認的所有資料。',
        unprotected:
          '未受保護。現在確認的選票與變更只存在於這台電腦上：若這台電腦故障，這些資料就會遺失。請配對一個備援站（見下方「配對」）。',
        'no-backup': '目前沒有連線的備援站。',
        readOnlyBackup: '唯讀。此投票站是備援站，不接受變更。請在主站登記選民及建立選舉。',
        readOnlyBackupAt: '唯讀。此投票站是備援站，不接受變更。請在位於 {address} 的主站登記選民及建立選舉。',
        readOnlyPrimary: '暫時唯讀。此投票站正在交接給另一個投票站，交接完成前不接受變更。',
      },
      self: {
        heading: '此投票站',
        role: '角色',
        epoch: '任期',
        stationId: '投票站代號',
        writable: '接受變更',
      },
      peer: {
        heading: '配對的投票站',
        none: '尚未發現配對的投票站。',
        stationId: '投票站代號',
        address: '位址',
        connected: '已連線',
        inSync: '已同步',
        lag: '落後',
        lagRecords: '0 筆紀錄 | 1 筆紀錄 | {count} 筆紀錄',
      },
      pairing: {
        heading: '配對',
        intro:
          '兩個投票站以相同的配對金鑰啟動時，就會互相保護：一個作為主站，另一個作為備援站；每項變更都要兩者都保存後才會確認。',
        stepKey: '取得配對金鑰：在任一台電腦上執行 {command}，或在此產生。',
        stepStart: '以此金鑰啟動兩個投票站：{command}，一個加上 {primary}，另一個加上 {backup}。',
        stepCheck: '之後在主站的此畫面上，配對的投票站會顯示為已連線且已同步。',
        stepPeer:
          '兩個投票站會在區域網路上自動找到彼此。若網路封鎖此功能（多點傳送），請另外為每個投票站指定對方的位址：{command}。',
        generate: '產生配對金鑰',
        generateAnother: '再產生一組配對金鑰',
        hide: '隱藏配對金鑰',
        key: '配對金鑰',
        qrAlt: '配對金鑰的 QR 碼',
        secret: '請保密此金鑰：任何持有者都能將投票站與此站配對。字母 O、I、L 會被視為 0、1、1。',
        notApplied: '在此產生金鑰不會改變此投票站：兩個投票站以此金鑰啟動後才會生效。',
      },
      audit: {
        heading: '投票站紀錄',
        caption: '投票站做過的事，最新的在最上面',
        loading: '正在載入紀錄…',
        unreachable: '無法載入先前的紀錄。新的紀錄仍會顯示在此。',
        empty: '尚無紀錄。',
        time: '時間',
        level: '等級',
        event: '事件',
        message: '訊息',
        levels: { info: '資訊', warn: '警告', error: '錯誤' },
      },
    },
  },
};
