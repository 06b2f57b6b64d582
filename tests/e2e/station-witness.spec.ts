/**
 * The station screen of a primary with a real witness: the witness's address,
 * that it is connected, and that the station holds its majority; and the
 * conflict report filled with every kind of conflict, in English and in
 * Traditional Chinese, each scanned with axe and kept as a screenshot.
 *
 * A real report needs two stations split apart and healed without a witness
 * (tests/replication does that, and tests/api checks the interface hears of
 * the merge); here the station's answer to `conflictReport` is replaced by a
 * sample with every kind (tests/renderer/support/conflict-report.ts). The
 * empty report, as a fresh station gives it, is scanned in
 * accessibility.spec.ts and exported in election-day.spec.ts.
 */
import { sampleConflictReport } from '../renderer/support/conflict-report.ts';
import { checkScreen, expect, test } from './support/fixtures.ts';
import { mainHeading, setUpFirstOfficial, signInWithFile } from './support/flows.ts';

test('the station screen shows the witness, the majority and the conflict report', async ({
  page,
  witnessedStation,
}, testInfo) => {
  await page.route('**/api/call/conflictReport', (route) =>
    route.fulfill({ contentType: 'application/json', body: JSON.stringify(sampleConflictReport) }),
  );
  await page.goto(witnessedStation.uiUrl);
  const official = await setUpFirstOfficial(page, testInfo, 'Grace Hopper');
  await signInWithFile(page, official);
  await expect(mainHeading(page, 'Station')).toBeVisible();

  const witness = page.getByRole('region', { name: 'Witness' });
  await expect(witness.getByText(witnessedStation.witnessAddress, { exact: true })).toBeVisible();
  await expect(witness).toContainText('ConnectedYes');
  await expect(witness).toContainText('Held: this station may take changes. Last confirmed until');

  const conflicts = page.getByRole('region', { name: 'Conflict report' });
  const merges = conflicts.getByRole('table', {
    name: 'Each time the other station’s commands were carried over, oldest first',
  });
  await expect(merges.getByRole('row')).toHaveCount(2);
  const list = conflicts.getByRole('table', {
    name: 'What could not be carried over as it was, oldest first',
  });
  await expect(list.getByRole('row')).toHaveCount(1 + sampleConflictReport.conflicts.length);
  await expect(list.getByRole('rowheader', { name: 'Voted on both stations' })).toBeVisible();
  await expect(list).toContainText('The vote is counted once: the vote the winning station held counts.');
  await expect(list).toContainText('(Asia/Taipei, UTC+08:00)');
  await checkScreen(page, testInfo, 'station-witness-conflicts', { soft: true });

  await page.getByRole('group', { name: 'Language' }).getByRole('button', { name: '繁體中文' }).click();
  await expect(mainHeading(page, '投票站')).toBeVisible();
  await expect(page.getByRole('region', { name: '見證者' })).toContainText('已取得：此投票站可以接受變更。');
  await expect(page.getByRole('region', { name: '衝突報告' }).getByRole('rowheader')).toHaveCount(
    sampleConflictReport.conflicts.length,
  );
  await checkScreen(page, testInfo, 'station-witness-conflicts-zh-TW', { soft: true });
});
