/**
 * The demo's event log: statechange, status and error events of both
 * elements, newest first, capped. Every line passes through a redactor so a
 * stream key can never show up in it.
 */

/** How a line looks. */
export type LogLevel = 'info' | 'status' | 'error';

/** A capped list of log lines in a `<ol>`. */
export class EventLog {
  private readonly max = 200;

  constructor(
    private readonly list: HTMLOListElement,
    /** Removes secrets from a line before it is shown. */
    private readonly redact: (text: string) => string,
  ) {}

  /** Adds a line, e.g. `add('player', 'status', 'NetStream.Play.Start')`. */
  add(source: 'player' | 'publisher' | 'demo', level: LogLevel, text: string): void {
    const li = document.createElement('li');
    li.className = `log-${level}`;
    const time = document.createElement('time');
    time.textContent = new Date().toLocaleTimeString('en-GB', { hour12: false });
    const who = document.createElement('span');
    who.className = `log-source log-${source}`;
    who.textContent = source;
    const msg = document.createElement('span');
    msg.className = 'log-text';
    msg.textContent = this.redact(text);
    li.append(time, who, msg);
    this.list.prepend(li);
    while (this.list.children.length > this.max) this.list.lastElementChild?.remove();
  }

  /** Empties the log. */
  clear(): void {
    this.list.replaceChildren();
  }
}
