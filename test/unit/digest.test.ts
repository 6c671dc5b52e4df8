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
