/** Undo steps for a run that starts servers, proxies and browsers: each one added is run in reverse order, however the run ends. */

/** Everything a run started, stopped in reverse order; a step that fails is logged and the others still run. */
export class Cleanup {
  private readonly steps: (() => Promise<unknown> | unknown)[] = [];
  add(step: () => Promise<unknown> | unknown): void {
    this.steps.push(step);
  }
  async run(): Promise<void> {
    for (const step of this.steps.reverse()) await Promise.resolve().then(step).catch((e: unknown) => console.error(`while stopping: ${String(e)}`));
  }
}
