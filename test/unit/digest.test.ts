import { buildDigest, conversationLink, escapeHtml, visitorLabel } from '../../lambdas/domain/digest.js';

const CONSOLE = 'https://console.example.com';

describe('reminder digest (SPEC §4)', () => {
  test('one conversation: visitor name, newest text, unread count and link, in text and HTML', () => {
    const d = buildDigest({
      agentName: 'Zed',
      consoleUrl: CONSOLE,
      conversations: [{ conversationId: 'conv_1', visitorName: 'Ann', newestText: 'Is anyone there?', unreadCount: 3 }],
    });
    expect(d.subject).toBe('3 unread messages from Ann');
    for (const part of [d.text, d.html]) {
      expect(part).toContain('Ann');
      expect(part).toContain('Is anyone there?');
      expect(part).toContain('3 unread messages');
      expect(part).toContain('https://console.example.com/#/c/conv_1');
    }
    expect(d.text).toContain('Hi Zed,');
    expect(d.html).toContain('<a href="https://console.example.com/#/c/conv_1">');
  });

  test('singular for one unread message', () => {
    const d = buildDigest({
      consoleUrl: CONSOLE,
      conversations: [{ conversationId: 'c', visitorName: 'Bo', newestText: 'hi', unreadCount: 1 }],
    });
    expect(d.subject).toBe('Unread chat message from Bo');
    expect(d.text).toContain('1 unread message');
    expect(d.text).not.toContain('1 unread messages');
    expect(d.html).not.toContain('1 unread messages');
  });

  test('several conversations: each one listed once with its own count and link, in the given order', () => {
    const d = buildDigest({
      consoleUrl: `${CONSOLE}/`,
      conversations: [
        { conversationId: 'conv_a', visitorName: 'Ann', newestText: 'first', unreadCount: 2 },
        { conversationId: 'conv_b', visitorName: null, newestText: 'second', unreadCount: 1 },
        { conversationId: 'conv_c', visitorName: 'Cy', newestText: 'third', unreadCount: 5 },
      ],
    });
    expect(d.subject).toBe('Unread chat messages in 3 conversations');
    for (const part of [d.text, d.html]) {
      const a = part.indexOf('conv_a');
      const b = part.indexOf('conv_b');
      const c = part.indexOf('conv_c');
      expect(a).toBeGreaterThan(-1);
      expect(a).toBeLessThan(b);
      expect(b).toBeLessThan(c);
      expect(part).toContain('Visitor'); // the nameless one
      expect(part).toContain('2 unread messages');
      expect(part).toContain('5 unread messages');
      // A trailing slash on the console URL does not double up.
      expect(part).not.toContain('.com//#');
    }
    expect(d.text.match(/#\/c\//g)).toHaveLength(3);
  });

  test('what a visitor typed cannot inject markup into the HTML part', () => {
    const evil = `<script>alert("x")</script> Tom & Jerry's <b>bold</b>`;
    const d = buildDigest({
      consoleUrl: CONSOLE,
      conversations: [{ conversationId: 'c1', visitorName: '<img src=x onerror=alert(1)>', newestText: evil, unreadCount: 1 }],
    });
    expect(d.html).not.toContain('<script>');
    expect(d.html).not.toContain('<img');
    expect(d.html).not.toContain('<b>bold');
    expect(d.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Tom &amp; Jerry&#39;s &lt;b&gt;bold&lt;/b&gt;');
    expect(d.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    // The text part is plain text: shown as typed.
    expect(d.text).toContain(evil);
  });

  test('a long message is cut to 500 code points without splitting an emoji', () => {
    const long = '😀'.repeat(600);
    const d = buildDigest({ consoleUrl: CONSOLE, conversations: [{ conversationId: 'c', newestText: long, unreadCount: 1 }] });
    expect(d.text).toContain('😀'.repeat(500));
    expect(d.text).not.toContain('😀'.repeat(501));
    expect(d.text).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  test('a visitor name with line breaks stays on the subject line', () => {
    const d = buildDigest({ consoleUrl: CONSOLE, conversations: [{ conversationId: 'c', visitorName: 'Ann\r\nBcc: x', newestText: 'hi', unreadCount: 1 }] });
    expect(d.subject).not.toMatch(/[\r\n]/);
    expect(visitorLabel('   ')).toBe('Visitor');
  });

  test('helpers', () => {
    expect(escapeHtml(`<a href="x">&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;');
    expect(conversationLink('http://127.0.0.1:3000', 'conv_1')).toBe('http://127.0.0.1:3000/#/c/conv_1');
    expect(() => buildDigest({ consoleUrl: CONSOLE, conversations: [] })).toThrow();
  });
});

describe('the reminder cap (SPEC §10.3) and its size', () => {
  const conv = (i: number, text = `message ${i}`) => ({ conversationId: `conv_${i}`, visitorName: `Visitor ${i}`, newestText: text, unreadCount: 1 });

  test('at most 50 listed, in the given order, then one "… and N more" line with the unread list link', () => {
    const d = buildDigest({ consoleUrl: CONSOLE, conversations: Array.from({ length: 55 }, (_, i) => conv(i + 1)), more: 5 });
    for (const part of [d.text, d.html]) {
      expect(part.match(/#\/c\//g)).toHaveLength(50);
      expect(part).toContain('… and 10 more unread conversations');
      expect(part).toContain('https://console.example.com/#/?filter=unread');
      expect(part).toContain('Visitor 50');
      expect(part).not.toContain('Visitor 51');
      expect(part).toContain('60 conversations');
    }
    expect(d.subject).toBe('Unread chat messages in 60 conversations');
  });

  test('no "more" line when everything is listed; singular for one more', () => {
    expect(buildDigest({ consoleUrl: CONSOLE, conversations: [conv(1)] }).text).not.toContain('more unread');
    expect(buildDigest({ consoleUrl: CONSOLE, conversations: [conv(1)], more: 1 }).text).toContain('… and 1 more unread conversation:');
  });

  test('control and bidi characters never reach the subject', () => {
    const d = buildDigest({ consoleUrl: CONSOLE, conversations: [{ conversationId: 'c', visitorName: 'Eve\u202E\u0007gpj.exe\u2066', newestText: 'hi', unreadCount: 1 }] });
    expect(d.subject).toBe('Unread chat message from Evegpj.exe');
    expect(d.subject).not.toMatch(/[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/);
  });

  test('1,500 due conversations, worst-case text: the email stays far below SES 10 MB', () => {
    // Worst case per listed conversation: a 100-code-point name and a 500-code-point preview of
    // characters that are 4 bytes in UTF-8, or of '<' which the HTML part escapes to 4 bytes.
    const worst = (i: number) => ({
      conversationId: `conv_${String(i).padStart(26, '0')}`,
      visitorName: '😀'.repeat(100),
      newestText: (i % 2 ? '😀' : '<').repeat(10000),
      unreadCount: 99,
    });
    const d = buildDigest({ consoleUrl: CONSOLE, conversations: Array.from({ length: 1500 }, (_, i) => worst(i)) });
    const bytes = Buffer.byteLength(d.text) + Buffer.byteLength(d.html) + Buffer.byteLength(d.subject);
    console.log(`digest with 1,500 due conversations (worst-case text): ${bytes} bytes (text ${Buffer.byteLength(d.text)}, html ${Buffer.byteLength(d.html)})`);
    expect(bytes).toBeLessThan(500_000);
  });
});
