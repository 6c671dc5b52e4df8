/**
 * The sound of a notifying message (SPEC §13): a short two-tone chime made with Web Audio (no
 * file to fetch), switched off in the console's settings (kept in this browser, not on the server:
 * it is about this computer's speakers). A browser may keep audio blocked until the page was
 * clicked once; the chime is then silently skipped. `data-chimes` on <body> counts the chimes, so
 * a test (or a curious agent in devtools) can see one was played.
 */
const KEY = 'agentConsole.sound';

export function soundOn(): boolean {
  return localStorage.getItem(KEY) !== 'off';
}

export function setSoundOn(on: boolean): void {
  localStorage.setItem(KEY, on ? 'on' : 'off');
}

let ctx: AudioContext | undefined;

export function chime(): void {
  if (!soundOn()) return;
  document.body.dataset.chimes = String(Number(document.body.dataset.chimes ?? '0') + 1);
  try {
    ctx ??= new AudioContext();
    const now = ctx.currentTime;
    for (const [i, freq] of [880, 1320].entries()) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, now + i * 0.12);
      gain.gain.exponentialRampToValueAtTime(0.15, now + i * 0.12 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.12 + 0.25);
      osc.connect(gain).connect(ctx.destination);
      osc.start(now + i * 0.12);
      osc.stop(now + i * 0.12 + 0.3);
    }
  } catch {
    /* no audio here: the notification and the page still say it */
  }
}
