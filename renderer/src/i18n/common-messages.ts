import type { UnavailableReason } from '../../../core/station/station-api.ts';
import type { FeatureMessages } from './index.ts';

/**
 * Why the station took no write, for officials (see unavailable-message.ts);
 * a record, so that a new reason fails to compile until it has a message.
 * `notPrimaryAt` is `not-primary` when the primary's address is known.
 */
type UnavailableMessages = Readonly<Record<UnavailableReason | 'notPrimaryAt', string>>;

export const commonMessages: FeatureMessages<{
  common: Record<string, string>;
  credential: Record<string, string>;
  unavailable: UnavailableMessages;
}> = {
  en: {
    common: {
      appName: 'Polling station',
      language: 'Language',
      mainNavigation: 'Main',
      skipToContent: 'Skip to main content',
      signOut: 'Sign out',
      cancel: 'Cancel',
      confirm: 'Confirm',
      close: 'Close',
      print: 'Print',
      stationUnreachable:
        'The station cannot be reached, so what this screen shows may be out of date. Check that it is running: this message goes away once it answers again.',
      accessRefused:
        'The station no longer accepts this page: it was restarted. Open the new address it printed (the line starting with “ui:”).',
      missingSecret:
        'This page needs the address the station printed (the line starting with “ui:”), including its #token part.',
    },
    credential: {
      cardLabel: 'Credential of {name}',
      officialTitle: 'Official credential',
      voterTitle: 'Voter credential',
      qrAlt: 'QR code of the credential of {name}',
      keepSecret: 'Keep this card secret: whoever holds it can sign in as this person.',
      station: 'Station {id}',
      download: 'Save credential file',
    },
    unavailable: {
      'storage-full':
        'The station’s disk is full, so nothing was saved. Free some space on the station’s disk, then try again.',
      'storage-failed':
        'The station could not write to its disk, so nothing was saved. Check the station’s disk, then try again.',
      stopping: 'The station is shutting down, so nothing was saved.',
      'not-primary':
        'This station is not the primary right now (it is the backup, or the two stations are switching roles), so nothing was saved. Make changes on the primary station.',
      notPrimaryAt:
        'This station is the backup, so nothing was saved. Make changes on the primary station, at {address}.',
      // Answered before writing, or after writing here when the backup did not confirm: both are possible.
      'backup-unavailable':
        'No backup station is in sync, and this station is set to require one. The change was refused, or kept on this station only: check before trying again, and reconnect the backup.',
      // Likewise answered before writing, or after writing here without the majority's confirmation.
      'no-quorum':
        'This station could not confirm that it is still the primary: neither the witness nor the backup answered in time, so the other station may be taking over. The change was refused, or kept without that confirmation: check before trying again.',
    },
  },
  'zh-TW': {
    common: {
      appName: '投票所',
      language: '語言',
      mainNavigation: '主選單',
      skipToContent: '跳至主要內容',
      signOut: '登出',
      cancel: '取消',
      confirm: '確認',
      close: '關閉',
      print: '列印',
      stationUnreachable:
        '無法連線到投票站，因此畫面上的資訊可能不是最新的。請確認投票站正在執行；恢復連線後，此訊息就會消失。',
      accessRefused:
        '投票站已不接受此頁面：投票站已重新啟動。請開啟它新印出的網址（以「ui:」開頭的那一行）。',
      missingSecret: '此頁面需要投票站印出的網址（以「ui:」開頭的那一行），包含 #token 部分。',
    },
    credential: {
      cardLabel: '{name} 的憑證',
      officialTitle: '工作人員憑證',
      voterTitle: '選民憑證',
      qrAlt: '{name} 的憑證 QR 碼',
      keepSecret: '請妥善保管此卡：持有者可以此人身分登入。',
      station: '投票站 {id}',
      download: '儲存憑證檔案',
    },
    unavailable: {
      'storage-full': '投票站的磁碟已滿，因此沒有儲存任何資料。請清出投票站的磁碟空間後再試一次。',
      'storage-failed': '投票站無法寫入磁碟，因此沒有儲存任何資料。請檢查投票站的磁碟後再試一次。',
      stopping: '投票站正在關閉，因此沒有儲存任何資料。',
      'not-primary':
        '此投票站目前不是主站（它是備援站，或兩站正在交換角色），因此沒有儲存任何資料。請在主站上操作。',
      notPrimaryAt: '此投票站是備援站，因此沒有儲存任何資料。請在位於 {address} 的主站上操作。',
      'backup-unavailable':
        '沒有已同步的備援站，而此投票站設定為必須有備援站。此變更可能已遭拒絕，也可能只存在於此投票站：再試一次之前請先確認，並重新連接備援站。',
      'no-quorum':
        '此投票站無法確認自己仍是主站：見證站與備援站都沒有及時回應，另一個投票站可能正在接手。此變更可能已遭拒絕，也可能未經確認就已保存：再試一次之前請先確認。',
    },
  },
};
