import type { FeatureMessages } from './index.ts';

export const commonMessages: FeatureMessages<{
  common: Record<string, string>;
  credential: Record<string, string>;
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
      stationUnreachable: 'The station cannot be reached. Check that it is running.',
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
      stationUnreachable: '無法連線到投票站，請確認其正在執行。',
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
  },
};
