/**
 * A MIME message for SES SendRawEmail (v1 SendEmail cannot set headers such as List-Unsubscribe).
 * SES requires (API_SendRawEmail, RawMessage: https://docs.aws.amazon.com/ses/latest/APIReference/API_RawMessage.html
 * and https://docs.aws.amazon.com/ses/latest/APIReference/API_SendRawEmail.html): a header and a
 * body separated by a blank line, the required header fields, properly formed multipart parts,
 * content outside 7-bit ASCII encoded, and no line over 1,000 characters (RFC 5321). So: CRLF line
 * ends; non-ASCII header text as RFC 2047 encoded-words (UTF-8, base64); both bodies base64 in
 * 76-character lines; a multipart/alternative with the text part first (RFC 2046: the last part is
 * the preferred one, so HTML wins where it can be shown).
 */
import { randomBytes } from 'node:crypto';

export interface MimeInput {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Extra header fields, name → value (ASCII values, e.g. List-Unsubscribe). */
  headers?: Record<string, string>;
  /** Fixed for tests; random otherwise. */
  boundary?: string;
  date?: Date;
}

const CRLF = '\r\n';

/** RFC 2047 encoded-words for a header value that is not plain printable ASCII, each word within 75 characters. */
export function encodeHeaderText(s: string): string {
  if (/^[\x20-\x7e]*$/.test(s)) return s;
  const words: string[] = [];
  let chunk = '';
  for (const cp of s) {
    // 45 bytes of UTF-8 make 60 base64 characters: `=?UTF-8?B?` + 60 + `?=` = 72.
    if (Buffer.byteLength(chunk + cp, 'utf8') > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += cp;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join(`${CRLF} `);
}

function base64Lines(s: string): string {
  const b = Buffer.from(s, 'utf8').toString('base64');
  return (b.match(/.{1,76}/g) ?? ['']).join(CRLF);
}

/** Header values must not break the header block: no CR or LF inside one. */
function headerValue(v: string): string {
  return v.replace(/[\r\n]+/g, ' ');
}

export function buildMime(m: MimeInput): string {
  const boundary = m.boundary ?? `=_${randomBytes(12).toString('hex')}`;
  const headers: Array<[string, string]> = [
    ['From', m.from],
    ['To', m.to],
    ['Subject', encodeHeaderText(headerValue(m.subject))],
    ['Date', (m.date ?? new Date()).toUTCString().replace('GMT', '+0000')],
    ['MIME-Version', '1.0'],
    ...Object.entries(m.headers ?? {}).map(([k, v]) => [k, headerValue(v)] as [string, string]),
    ['Content-Type', `multipart/alternative; boundary="${boundary}"`],
  ];
  return [
    ...headers.map(([k, v]) => `${k}: ${v}`),
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(m.text),
    `--${boundary}`,
    'Content-Type: text/html; charset=UTF-8',
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(m.html),
    `--${boundary}--`,
    '',
  ].join(CRLF);
}
