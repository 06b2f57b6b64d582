import type { OfficialReason } from '../../../../core/api/interface-api.ts';
import type { FeatureMessages } from '../../i18n/index.ts';

export interface SetupMessages {
  readonly title: string;
  readonly intro: string;
  readonly name: string;
  readonly nameHint: string;
  readonly create: string;
  readonly creating: string;
  readonly created: string;
  readonly saveNow: string;
  readonly shownOnce: string;
  readonly continue: string;
  readonly goToSignIn: string;
  readonly unreachable: string;
  /** One message per refusal of `createFirstOfficial`; `{max}` is the officials limit. */
  readonly reason: Readonly<Record<Exclude<OfficialReason, 'ok'>, string>>;
  readonly signInTitle: string;
  readonly signInIntro: string;
  readonly fileHeading: string;
  readonly file: string;
  readonly fileHint: string;
  readonly qrHeading: string;
  readonly qr: string;
  readonly qrHint: string;
  readonly signInWithFile: string;
  readonly signInWithCard: string;
  readonly signingIn: string;
  readonly problem: {
    readonly noFile: string;
    readonly noText: string;
    readonly notACredential: string;
    readonly notACredentialFile: string;
    readonly wrongRole: string;
    readonly refused: string;
    readonly unreachable: string;
  };
}

export const setupMessages: FeatureMessages<{ setup: SetupMessages }> = {
  en: {
    setup: {
      title: 'Set up the station',
      intro:
        'This station has no official yet. Enter your name to become its first official. A credential (a secret key) is made on this screen; the station receives only its public part.',
      name: 'Your name',
      nameHint:
        'As it should appear in the station’s log. You sign in with the credential, not by typing it.',
      create: 'Create my official credential',
      creating: 'Creating…',
      created: 'You are the station’s first official.',
      saveNow:
        'Save the credential file and print the card now, then keep both safe. You need one of them to sign in.',
      shownOnce:
        'This credential is shown only this once: the station keeps only its public key and cannot show or make it again.',
      continue: 'I have saved it: continue to sign-in',
      goToSignIn: 'Go to sign-in',
      unreachable: 'The station did not answer. Check that it is running, then try again.',
      reason: {
        'official-exists': 'An official with this name already exists. Sign in with their credential.',
        'invalid-name':
          'Enter a name that is not blank, at most 256 bytes long (about 85 Chinese characters), without line breaks or control characters.',
        'invalid-public-key': 'The station refused the key made on this screen. Please try again.',
        'already-set-up': 'This station is already set up: an official exists. Sign in with your credential.',
        'register-full': 'The station holds as many officials as it can ({max}).',
      },
      signInTitle: 'Official sign-in',
      signInIntro:
        'Sign in with your official credential: the file you saved, or the QR code on your printed card.',
      fileHeading: 'With the credential file',
      file: 'Credential file',
      fileHint: 'The file saved when you were registered; its name ends in .evote.json.',
      qrHeading: 'With the printed card',
      qr: 'Text of the card’s QR code',
      qrHint:
        'Select this field, then scan the card’s QR code with a QR reader: it types the text for you. The text stays hidden on screen.',
      signInWithFile: 'Sign in with the file',
      signInWithCard: 'Sign in with the card',
      signingIn: 'Signing in…',
      problem: {
        noFile: 'Choose your credential file first.',
        noText: 'Scan the QR code of your card first.',
        notACredential: 'This is not the text of a credential’s QR code. Scan the code on your card again.',
        notACredentialFile: 'This file is not a credential. Choose the .evote.json file saved for you.',
        wrongRole: 'This is a voter’s credential. Officials sign in with an official credential.',
        refused:
          'The station did not accept this credential: it may belong to an official of another station, or to one who is no longer registered.',
        unreachable: 'The station did not answer. Check that it is running, then try again.',
      },
    },
  },
  'zh-TW': {
    setup: {
      title: '設定投票站',
      intro:
        '此投票站尚無工作人員。請輸入您的姓名，成為第一位工作人員。憑證（一組私密金鑰）會在此畫面上產生，投票站只會收到其公開的部分。',
      name: '您的姓名',
      nameHint: '此姓名會顯示在投票站的紀錄中。登入時使用憑證，不需輸入姓名。',
      create: '建立我的工作人員憑證',
      creating: '建立中…',
      created: '您已成為此投票站的第一位工作人員。',
      saveNow: '請立即儲存憑證檔案並列印憑證卡，兩者都要妥善保管。登入時需要其中之一。',
      shownOnce: '此憑證只會顯示這一次：投票站只保存其公開金鑰，無法再次顯示或重新產生。',
      continue: '我已儲存：繼續登入',
      goToSignIn: '前往登入',
      unreachable: '投票站沒有回應。請確認其正在執行，然後再試一次。',
      reason: {
        'official-exists': '已有同名的工作人員。請使用該工作人員的憑證登入。',
        'invalid-name':
          '請輸入姓名：不可空白，長度最多 256 位元組（約 85 個中文字），且不可包含換行或控制字元。',
        'invalid-public-key': '投票站拒絕了此畫面產生的金鑰。請再試一次。',
        'already-set-up': '此投票站已經設定完成：已有工作人員。請使用您的憑證登入。',
        'register-full': '投票站的工作人員人數已達上限（{max} 位）。',
      },
      signInTitle: '工作人員登入',
      signInIntro: '請使用您的工作人員憑證登入：您儲存的檔案，或列印的憑證卡上的 QR 碼。',
      fileHeading: '使用憑證檔案',
      file: '憑證檔案',
      fileHint: '您登記時儲存的檔案，檔名以 .evote.json 結尾。',
      qrHeading: '使用列印的憑證卡',
      qr: '憑證卡 QR 碼的文字',
      qrHint:
        '請先選取此欄位，再用 QR 碼讀取器掃描憑證卡上的 QR 碼：讀取器會替您輸入文字。文字在畫面上保持隱藏。',
      signInWithFile: '使用檔案登入',
      signInWithCard: '使用憑證卡登入',
      signingIn: '登入中…',
      problem: {
        noFile: '請先選擇您的憑證檔案。',
        noText: '請先掃描您憑證卡上的 QR 碼。',
        notACredential: '這不是憑證 QR 碼的文字。請再掃描一次憑證卡上的 QR 碼。',
        notACredentialFile: '此檔案不是憑證。請選擇為您儲存的 .evote.json 檔案。',
        wrongRole: '這是選民的憑證。工作人員須使用工作人員憑證登入。',
        refused: '投票站不接受此憑證：它可能屬於其他投票站的工作人員，或屬於已不再登記的工作人員。',
        unreachable: '投票站沒有回應。請確認其正在執行，然後再試一次。',
      },
    },
  },
};
