import type { FeatureMessages } from '../../i18n/index.ts';
import type { VoteProblem } from '../../stores/voting.ts';

/** The kiosk's texts; every locale must have every key (and a message for every problem). */
export interface VoteTexts {
  readonly title: string;
  readonly openKiosk: string;
  readonly official: string;
  readonly credentialTitle: string;
  readonly credentialIntro: string;
  readonly fileButton: string;
  readonly dropHint: string;
  readonly textLabel: string;
  readonly textHint: string;
  readonly signIn: string;
  readonly signingInTitle: string;
  readonly pleaseWait: string;
  readonly choiceTitle: string;
  readonly yourElections: string;
  readonly statusAlreadyVoted: string;
  readonly statusNow: string;
  readonly statusLater: string;
  readonly chooseHint: string;
  readonly toReview: string;
  readonly leave: string;
  readonly reviewTitle: string;
  readonly reviewSummary: string;
  readonly reviewQuestion: string;
  readonly confirm: string;
  readonly change: string;
  readonly castingTitle: string;
  readonly doneTitle: string;
  readonly doneRecorded: string;
  readonly moreElections: string;
  readonly nextElection: string;
  readonly finish: string;
  readonly finishNow: string;
  readonly startsOverIn: string;
  readonly refusedNotRecognised: string;
  readonly refusedNothingToVote: string;
  readonly refusedNotRecorded: string;
  readonly stillThereTitle: string;
  readonly stillThere: string;
  readonly stillThereSeconds: string;
  readonly keepGoing: string;
  /** A problem about an election other than the one in front of the voter, named first. */
  readonly aboutElection: string;
  readonly problem: Readonly<Record<VoteProblem, string>>;
}

export const voteMessages: FeatureMessages<{ vote: VoteTexts }> = {
  en: {
    vote: {
      title: 'Vote',
      openKiosk: 'Open voting kiosk',
      official: 'Official',
      credentialTitle: 'Welcome: please present your voter credential',
      credentialIntro: 'Use the credential file or card you were given when you registered.',
      fileButton: 'Open my credential file',
      dropHint: 'You can also drop the file here.',
      textLabel: 'Or scan the QR code on your card, or paste the credential text',
      textHint: 'A QR code reader types the text for you. Then press Enter or Continue.',
      signIn: 'Continue',
      signingInTitle: 'Checking your credential…',
      pleaseWait: 'Please wait a moment.',
      choiceTitle: 'Make your choice',
      yourElections: 'Your elections',
      statusAlreadyVoted: 'already voted',
      statusNow: 'choosing now',
      statusLater: 'still to vote',
      chooseHint: 'Choose one option, then press Continue.',
      toReview: 'Continue',
      leave: 'Leave without voting',
      reviewTitle: 'Check your choice',
      reviewSummary: 'You chose {choice} in the election {election}.',
      reviewQuestion: 'Is this right? Confirm to record your vote.',
      confirm: 'Confirm my vote',
      change: 'Change my choice',
      castingTitle: 'Recording your vote…',
      doneTitle: 'Thank you',
      doneRecorded: 'Your vote in {election} has been recorded.',
      moreElections: 'You can also vote in one more election. | You can also vote in {count} more elections.',
      nextElection: 'Vote in the next election',
      finish: 'Finish',
      finishNow: 'Finish now',
      startsOverIn: 'This screen starts over in one second. | This screen starts over in {count} seconds.',
      refusedNotRecognised: 'Credential not recognised',
      refusedNothingToVote: 'Nothing to vote on now',
      refusedNotRecorded: 'Your vote was not recorded',
      stillThereTitle: 'Are you still there?',
      stillThere:
        'To protect your privacy, this screen starts over in {count} seconds unless you continue. Press any key or touch the screen to continue.',
      stillThereSeconds: '{count} s left',
      keepGoing: 'Continue',
      aboutElection: '{election}: {message}',
      problem: {
        'not-a-credential':
          'This is not a voter credential. Use the credential file or card you were given when you registered.',
        'wrong-role': "This is an official's credential. Voters sign in with their own voter credential.",
        'not-recognised': 'This credential is not recognised here. Please ask an official.',
        unreachable: 'The station did not answer. Please wait a moment and try again.',
        'no-open-elections':
          'No election is open to you right now. If you expected one, please ask an official.',
        'all-voted':
          'A vote from you is already recorded in every election open to you. Each voter can vote once.',
        'no-choice': 'Please choose one option before you continue.',
        'unavailable-retry':
          'The station could not confirm your vote at this moment (for example, the backup station is taking over). Please wait a moment and try again: if your vote was recorded after all, the screen will say so.',
        'unavailable-ask-official':
          'The station cannot record votes at this moment. Your vote is not recorded. Please ask an official.',
        'invalid-token': 'Your session has expired, so your vote was not recorded. Please start again.',
        'unknown-election': 'This election no longer exists, so your vote in it was not recorded.',
        'election-closed': 'This election has closed, so your vote in it was not recorded.',
        'group-not-allowed':
          'Your voter group may not vote in this election, so your vote in it was not recorded. If you think this is wrong, please ask an official.',
        'already-voted': 'A vote from you in this election is already recorded. Each voter can vote once.',
        'unknown-choice': "That option is not on this election's ballot. Please choose again.",
      },
    },
  },
  'zh-TW': {
    vote: {
      title: '投票',
      openKiosk: '開啟投票機',
      official: '工作人員',
      credentialTitle: '歡迎！請出示您的選民憑證',
      credentialIntro: '請使用您登記時領到的憑證檔案或憑證卡。',
      fileButton: '開啟我的憑證檔案',
      dropHint: '您也可以將檔案拖放到這裡。',
      textLabel: '或掃描憑證卡上的 QR 碼，或貼上憑證文字',
      textHint: 'QR 碼讀取器會自動輸入文字，然後請按 Enter 或「繼續」。',
      signIn: '繼續',
      signingInTitle: '正在核對您的憑證…',
      pleaseWait: '請稍候片刻。',
      choiceTitle: '請做出選擇',
      yourElections: '您的選舉',
      statusAlreadyVoted: '已投票',
      statusNow: '正在選擇',
      statusLater: '尚待投票',
      chooseHint: '請選擇一個選項，然後按「繼續」。',
      toReview: '繼續',
      leave: '不投票並離開',
      reviewTitle: '請確認您的選擇',
      reviewSummary: '您在選舉「{election}」中選擇了「{choice}」。',
      reviewQuestion: '是否正確？確認後即會記錄您的投票。',
      confirm: '確認投票',
      change: '更改選擇',
      castingTitle: '正在記錄您的投票…',
      doneTitle: '謝謝您',
      doneRecorded: '您在「{election}」的投票已記錄。',
      moreElections: '您還可以在 {count} 項選舉中投票。',
      nextElection: '前往下一項選舉',
      finish: '結束',
      finishNow: '立即結束',
      startsOverIn: '本畫面將於 {count} 秒後重新開始。',
      refusedNotRecognised: '無法辨識憑證',
      refusedNothingToVote: '目前沒有可投票的選舉',
      refusedNotRecorded: '您的投票未能記錄',
      stillThereTitle: '您還在嗎？',
      stillThere:
        '為保護您的隱私，若您不繼續操作，本畫面將於 {count} 秒後重新開始。按任一鍵或觸碰螢幕即可繼續。',
      stillThereSeconds: '剩餘 {count} 秒',
      keepGoing: '繼續',
      aboutElection: '「{election}」：{message}',
      problem: {
        'not-a-credential': '這不是選民憑證。請使用您登記時領到的憑證檔案或憑證卡。',
        'wrong-role': '這是工作人員的憑證。選民須使用自己的選民憑證登入。',
        'not-recognised': '此憑證在本投票站無法辨識。請洽詢工作人員。',
        unreachable: '投票站沒有回應。請稍候片刻再試一次。',
        'no-open-elections': '目前沒有開放給您的選舉。如您認為應該有，請洽詢工作人員。',
        'all-voted': '您在所有開放給您的選舉中皆已有投票記錄。每位選民只能投一次票。',
        'no-choice': '請先選擇一個選項再繼續。',
        'unavailable-retry':
          '投票站此刻無法確認您的投票（例如備援站正在接手）。請稍候片刻再試一次：如果您的投票其實已經記錄，畫面會告訴您。',
        'unavailable-ask-official': '投票站此刻無法記錄投票，因此沒有記錄您的投票。請洽詢工作人員。',
        'invalid-token': '您的登入已逾時，因此投票未能記錄。請重新開始。',
        'unknown-election': '此選舉已不存在，因此您在其中的投票未能記錄。',
        'election-closed': '此選舉已結束，因此您在其中的投票未能記錄。',
        'group-not-allowed':
          '您所屬的組別不能參加此選舉，因此您在其中的投票未能記錄。如您認為有誤，請洽詢工作人員。',
        'already-voted': '您在此選舉的投票已有記錄。每位選民只能投一次票。',
        'unknown-choice': '該選項不在此選舉的選票上。請重新選擇。',
      },
    },
  },
};
