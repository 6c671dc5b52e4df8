/** The local SES the offline stack and the reminder tests use, driven by the real SES v1 client. */
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { startLocalSes, type LocalSes } from '../../local/ses.js';
import { localClientConfig } from '../../local/client-config.js';
import { sendEmail } from '../../lambdas/channels/email.js';

let ses: LocalSes;
let client: SESClient;

beforeAll(async () => {
  ses = await startLocalSes({ port: 0 });
  client = new SESClient(localClientConfig(ses.url));
});
afterAll(async () => {
  client.destroy();
  await ses.close();
});

const send = (to: string, subject: string, text: string, html: string) =>
  client.send(
    new SendEmailCommand({
      Source: 'reminders@example.com',
      Destination: { ToAddresses: [to] },
      Message: {
        Subject: { Data: subject, Charset: 'UTF-8' },
        Body: { Text: { Data: text, Charset: 'UTF-8' }, Html: { Data: html, Charset: 'UTF-8' } },
      },
    }),
  );

test('SendEmail (SES v1, SDK v3) is accepted and kept, oldest first, in the SPEC §9 shape', async () => {
  const r = await send('z@example.com', 'Unread chat message from Zoë 😀', 'hello & 你好', '<p>hello &amp; 你好</p>');
  expect(r.MessageId).toBeTruthy();
  await send('x@example.com', 'second', 'two', '<p>two</p>');

  const emails = await ses.emails();
  expect(emails).toHaveLength(2);
  expect(emails[0]).toEqual({
    to: ['z@example.com'],
    subject: 'Unread chat message from Zoë 😀',
    text: 'hello & 你好',
    html: '<p>hello &amp; 你好</p>',
    // SendEmail carries no header fields of its own.
    headers: {},
    at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/),
  });
  expect(emails[1]?.to).toEqual(['x@example.com']);
  expect(Date.parse(emails[0]!.at)).toBeLessThanOrEqual(Date.parse(emails[1]!.at));

  const page = await fetch(ses.inboxUrl);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toContain('text/html');

  await ses.clear();
  expect(await ses.emails()).toEqual([]);
});

test('SendRawEmail as the reminder sends it (channels/email.ts): MIME parsed back to subject, text, html, and its headers kept', async () => {
  const text = `Hi,\n\n${'long line '.repeat(150)}\nZoë 😀`;
  const sent = await sendEmail(client, {
    from: 'reminders@example.com',
    to: 'raw@example.com',
    subject: 'Unread chat message from Zoë 😀 — with a subject long enough to be folded into several encoded words',
    text,
    html: '<p>hello &amp; 你好</p>',
    headers: { 'List-Unsubscribe': '<https://api.example/v1/unsubscribe?t=abc.def>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    tags: { workspace: 'ws1', agent: 'a1' },
  });
  expect(sent.status).toBe('sent');
  const mail = (await ses.emails()).find((e) => e.to.includes('raw@example.com'))!;
  expect(mail.subject).toBe('Unread chat message from Zoë 😀 — with a subject long enough to be folded into several encoded words');
  expect(mail.text.trim()).toBe(text.trim());
  expect(mail.html).toBe('<p>hello &amp; 你好</p>');
  expect(mail.headers).toMatchObject({ 'List-Unsubscribe': '<https://api.example/v1/unsubscribe?t=abc.def>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click', From: 'reminders@example.com' });
});
