/** A tiny element builder: enough for these pages without a framework or innerHTML. */
type Child = Node | string | number | false | null | undefined;
type Attrs = Record<string, string | number | boolean | undefined | null | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Array<Child | Child[]>): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (name.startsWith('on') && typeof v === 'function') {
      el.addEventListener(name.slice(2).toLowerCase(), v);
    } else if (name === 'class') {
      el.className = String(v);
    } else if (v === true) {
      el.setAttribute(name, '');
    } else {
      el.setAttribute(name, String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el: Element, children: Array<Child | Child[]>) {
  for (const c of children) {
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else if (c !== undefined && c !== null && c !== false) el.appendChild(document.createTextNode(String(c)));
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el as T;
}

/** A short local time for message stamps; the full ISO time stays in the title attribute. */
export function timeLabel(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const sameDay = d.toDateString() === new Date().toDateString();
  return sameDay ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : d.toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });
}

/** A clientMessageId (SPEC: 1..128 of A-Z a-z 0-9 _ . : -) that makes a retried send a no-op. */
export function clientMessageId(): string {
  const rnd = crypto.getRandomValues(new Uint8Array(12));
  return `c-${Date.now().toString(36)}-${Array.from(rnd, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** Chat-box keys: Enter sends the form, Shift+Enter (or an IME composition) keeps typing. */
export function submitOnEnter(text: HTMLTextAreaElement, form: HTMLFormElement): void {
  text.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
}
