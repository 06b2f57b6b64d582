import type { AuditEntry, ConflictKind, StationStatus } from '../../../../core/api/interface-api.ts';
import type { CommandKind } from '../../../../core/engine/commands.ts';
import type { FeatureMessages } from '../../i18n/index.ts';
import type { ExplanationKey, RefusalReason } from './conflict-report.ts';

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
    readonly readOnlyNoQuorum: string;
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
  readonly witness: {
    readonly heading: string;
    readonly none: string;
    readonly noneDetail: string;
    readonly explain: string;
    readonly address: string;
    readonly connected: string;
    readonly quorum: string;
    readonly held: string;
    readonly heldUntil: string;
    readonly notHeldBecause: string;
    readonly notHeldBackup: string;
    readonly notHeldPrimary: string;
  };
  readonly conflicts: {
    readonly heading: string;
    readonly intro: string;
    readonly loading: string;
    readonly unreachable: string;
    readonly noneNoMerge: string;
    readonly noneAfterMerge: string;
    readonly changed: string;
    readonly merges: {
      readonly heading: string;
      readonly caption: string;
      readonly at: string;
      readonly from: string;
      readonly commands: string;
      readonly applied: string;
    };
    readonly list: {
      readonly heading: string;
      readonly caption: string;
      readonly kind: string;
      readonly decided: string;
      readonly merged: string;
    };
    readonly kinds: Readonly<Record<ConflictKind, string>>;
    readonly explain: Readonly<Record<ExplanationKey, string>>;
    /** One wording per command (a new kind fails to compile); `other` for a kind this interface predates. */
    readonly commands: Readonly<Record<CommandKind | 'other', string>>;
    /** One wording per reason the engine can give on replay (a new reason fails to compile). */
    readonly reasons: Readonly<Record<RefusalReason, string>>;
    readonly reasonNone: string;
    readonly reasonOther: string;
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
        readOnlyNoQuorum:
          'Read-only. This station does not hold a majority: neither the witness nor its backup confirmed it in time. It takes changes again as soon as one of them does.',
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
      witness: {
        heading: 'Witness',
        none: 'No witness: this station decides alone.',
        noneDetail:
          'If the link between the two stations is cut, both may go on taking votes. When it comes back, their records are reconciled, and whatever could not be kept as it was is listed in the conflict report below.',
        explain:
          'With a witness, a station takes changes only while it holds a majority: itself and the witness, or itself and its backup.',
        address: 'Address',
        connected: 'Connected',
        quorum: 'Majority',
        held: 'Held: this station may take changes.',
        heldUntil:
          'Held: this station may take changes. Last confirmed until {until}; it is renewed every few seconds.',
        notHeldBecause: 'Not held: this station takes no changes. The station says: {reason}',
        notHeldBackup: 'Not held: this station is the backup and takes no changes.',
        notHeldPrimary:
          'Not held: this station takes no changes until the witness or its backup confirms it.',
      },
      conflicts: {
        heading: 'Conflict report',
        intro:
          'If the link between the two stations was cut while both took changes, the station with the higher epoch wins when the link comes back: its records are kept, and it carries over every command the other station took on its own. What could not be carried over as it was is listed here. No vote’s choice is ever shown.',
        loading: 'Loading the conflict report…',
        unreachable: 'The conflict report could not be loaded: the station did not answer.',
        noneNoMerge:
          'No conflicts: this station has never had to reconcile its records with another station’s.',
        noneAfterMerge:
          'No conflicts: every command the other station took on its own was carried over as it was.',
        changed:
          'The conflict report has changed: no conflicts. | The conflict report has changed: 1 conflict. | The conflict report has changed: {count} conflicts.',
        merges: {
          heading: 'Merges',
          caption: 'Each time the other station’s commands were carried over, oldest first',
          at: 'When (station time)',
          from: 'From station',
          commands: 'Commands carried over',
          applied: 'Of those, changed the records',
        },
        list: {
          heading: 'Conflicts',
          caption: 'What could not be carried over as it was, oldest first',
          kind: 'Kind',
          decided: 'What was decided',
          merged: 'Merged (station time)',
        },
        kinds: {
          'double-vote': 'Voted on both stations',
          'election-name': 'Same election name on both stations',
          'member-registration': 'Registered differently on both stations',
          'not-replayed': 'Could not be carried over',
        },
        explain: {
          doubleVote:
            '{member} voted in “{election}” on both stations. The vote is counted once: the vote the winning station held counts. The vote station {station} took at {accepted} is not counted.',
          electionMerged:
            'The election “{election}” was created on both stations with the same groups, choices and end, so it is one election. The votes station {station} took for it are counted in it (each voter once).',
          electionRenamed:
            'The election “{election}” was created on both stations, differently. The winning station’s election keeps the name. The one station {station} created at {accepted} is kept as “{renamedTo}”, and the votes taken for it there are counted there.',
          electionNotKept:
            'The election “{election}” that station {station} created at {accepted} could not be kept: the votes taken for it there are not counted.',
          registration:
            '{member} was registered differently on the two stations (another key or group). The winning station’s registration stands; the one station {station} made at {accepted} does not.',
          registrationAction:
            '{member} was registered differently on the two stations, and the winning station’s registration stands. So this, done on station {station} at {accepted} under the other registration, is listed and not counted: {command}.',
          notReplayed:
            'Station {station} took this at {accepted}: {command}. It could not be carried over: {reason}.',
        },
        commands: {
          'register-voter': 'the registration of voter {member}',
          'unregister-voter': 'the removal of voter {member}',
          'register-official': 'the registration of official {member}',
          'create-election': 'the creation of the election “{election}”',
          'cast-vote': 'a vote by {member} in “{election}”',
          'merge-diverged': 'a merge of commands from another split',
          other: 'a command of the kind “{command}”',
        },
        reasons: {
          'voter-exists': 'a voter of that name was already registered',
          'invalid-name': 'the name is not valid',
          'invalid-group': 'a group name is not valid',
          'invalid-public-key': 'the key is not valid',
          'register-full': 'the register is full',
          'unknown-voter': 'no voter of that name is registered',
          'invalid-token': 'whoever did it was no longer registered with that key',
          'missing-groups': 'the election had no groups',
          'missing-choices': 'the election had no choices',
          'election-exists': 'an election of that name already exists',
          'end-date-not-in-future': 'its end had already passed',
          'end-date-too-far': 'its end was too far ahead',
          'invalid-end-date': 'its end is not a valid date',
          'invalid-choice': 'a choice is not valid',
          'duplicate-group': 'a group was listed twice',
          'duplicate-choice': 'a choice was listed twice',
          'too-many-groups': 'it had too many groups',
          'too-many-choices': 'it had too many choices',
          'too-many-elections': 'the station holds as many elections as it can',
          'unknown-election': 'there is no such election',
          'election-closed': 'the election had closed',
          'group-not-allowed': 'the voter’s group may not vote in that election',
          'already-voted': 'the voter had already voted in that election',
          'unknown-choice': 'there is no such choice',
          'official-exists': 'an official of that name was already registered',
          'already-set-up': 'the station was already set up',
          'merge-of-a-merge': 'it merged another split’s commands itself, which is never carried over again',
        },
        reasonNone: 'the station gave no reason',
        reasonOther: 'the station refused it (“{reason}”)',
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
        readOnlyNoQuorum:
          '唯讀。此投票站未取得過半數：見證者和備援站都沒有及時確認它。只要其中之一確認，它就會再次接受變更。',
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
      witness: {
        heading: '見證者',
        none: '沒有見證者：此投票站自行決定。',
        noneDetail:
          '若兩個投票站之間的連線中斷，兩站都可能繼續接受投票。連線恢復後，兩站的紀錄會被整合，無法照原樣保留的部分會列在下方的衝突報告中。',
        explain: '有見證者時，投票站只在取得過半數時接受變更：它自己加上見證者，或它自己加上備援站。',
        address: '位址',
        connected: '已連線',
        quorum: '過半數',
        held: '已取得：此投票站可以接受變更。',
        heldUntil: '已取得：此投票站可以接受變更。最近一次確認有效至 {until}，每隔幾秒會更新一次。',
        notHeldBecause: '未取得：此投票站不接受變更。投票站的說明（英文）：{reason}',
        notHeldBackup: '未取得：此投票站是備援站，不接受變更。',
        notHeldPrimary: '未取得：在見證者或備援站確認之前，此投票站不接受變更。',
      },
      conflicts: {
        heading: '衝突報告',
        intro:
          '若兩個投票站之間的連線中斷，而兩站都接受了變更，連線恢復後由任期較高的投票站勝出：保留它的紀錄，並將另一站單獨接受的每項指令併入。無法照原樣併入的部分列在此處。本報告絕不顯示任何選票的選擇。',
        loading: '正在載入衝突報告…',
        unreachable: '無法載入衝突報告：投票站沒有回應。',
        noneNoMerge: '沒有衝突：此投票站從未需要與另一個投票站整合紀錄。',
        noneAfterMerge: '沒有衝突：另一個投票站單獨接受的每項指令都已照原樣併入。',
        changed: '衝突報告已更新：沒有衝突。 | 衝突報告已更新：1 項衝突。 | 衝突報告已更新：{count} 項衝突。',
        merges: {
          heading: '合併紀錄',
          caption: '每次併入另一個投票站指令的紀錄，最早的在最上面',
          at: '時間（投票站時間）',
          from: '來源投票站',
          commands: '併入的指令數',
          applied: '其中改變紀錄的數量',
        },
        list: {
          heading: '衝突',
          caption: '無法照原樣併入的部分，最早的在最上面',
          kind: '類型',
          decided: '處理結果',
          merged: '合併時間（投票站時間）',
        },
        kinds: {
          'double-vote': '在兩站都投了票',
          'election-name': '兩站建立了同名選舉',
          'member-registration': '兩站的登記不同',
          'not-replayed': '無法併入',
        },
        explain: {
          doubleVote:
            '{member} 在兩站都對「{election}」投了票。這票只計算一次：以勝出投票站保有的那一票為準。投票站 {station} 於 {accepted} 接受的那一票不計入。',
          electionMerged:
            '兩站都建立了選舉「{election}」，且組別、選項與截止時間都相同，因此視為同一場選舉。投票站 {station} 為它接受的選票會計入其中（每位選民只計一次）。',
          electionRenamed:
            '兩站都建立了選舉「{election}」，但內容不同。勝出投票站的選舉保留原名；投票站 {station} 於 {accepted} 建立的選舉改名為「{renamedTo}」保留，在該站為它接受的選票也計入該選舉。',
          electionNotKept:
            '投票站 {station} 於 {accepted} 建立的選舉「{election}」無法保留：在該站為它接受的選票不計入。',
          registration:
            '{member} 在兩站的登記不同（金鑰或組別不同）。以勝出投票站的登記為準；投票站 {station} 於 {accepted} 所做的登記不成立。',
          registrationAction:
            '{member} 在兩站的登記不同，以勝出投票站的登記為準。因此以另一份登記在投票站 {station} 於 {accepted} 所做的下列事項僅列出、不計入：{command}。',
          notReplayed: '投票站 {station} 於 {accepted} 接受了：{command}。此項無法併入：{reason}。',
        },
        commands: {
          'register-voter': '選民 {member} 的登記',
          'unregister-voter': '取消選民 {member} 的登記',
          'register-official': '工作人員 {member} 的登記',
          'create-election': '建立選舉「{election}」',
          'cast-vote': '{member} 在「{election}」投的一票',
          'merge-diverged': '另一次連線中斷後的指令合併',
          other: '一項「{command}」類型的指令',
        },
        reasons: {
          'voter-exists': '已有同名的選民登記',
          'invalid-name': '名稱無效',
          'invalid-group': '組別名稱無效',
          'invalid-public-key': '金鑰無效',
          'register-full': '登記名冊已滿',
          'unknown-voter': '沒有這個名稱的選民登記',
          'invalid-token': '執行者已不再以該金鑰登記',
          'missing-groups': '選舉沒有組別',
          'missing-choices': '選舉沒有選項',
          'election-exists': '已有同名的選舉',
          'end-date-not-in-future': '截止時間已過',
          'end-date-too-far': '截止時間太遠',
          'invalid-end-date': '截止時間無效',
          'invalid-choice': '選項無效',
          'duplicate-group': '組別重複',
          'duplicate-choice': '選項重複',
          'too-many-groups': '組別太多',
          'too-many-choices': '選項太多',
          'too-many-elections': '投票站的選舉數已達上限',
          'unknown-election': '沒有這場選舉',
          'election-closed': '選舉已截止',
          'group-not-allowed': '該選民的組別不能在這場選舉投票',
          'already-voted': '該選民已在這場選舉投過票',
          'unknown-choice': '沒有這個選項',
          'official-exists': '已有同名的工作人員登記',
          'already-set-up': '投票站已完成設定',
          'merge-of-a-merge': '它本身就是另一次連線中斷後的合併，不會再次併入',
        },
        reasonNone: '投票站沒有說明原因',
        reasonOther: '投票站拒絕了它（「{reason}」）',
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
