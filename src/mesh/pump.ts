/**
 * A job that runs one at a time: a kick while it runs has it run once more after, so nothing
 * kicked is missed and nothing runs twice at once.
 */
export class Pump {
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly job: () => Promise<void>,
    /** A run that threw (the database busy past its timeout): said, and tried at the next kick. */
    private readonly onError: (error: unknown) => void,
  ) {}

  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.job();
      } while (this.again);
    })()
      .catch(this.onError)
      .finally(() => {
        this.running = undefined;
      });
  }

  /** Until the current run (if any) is over. */
  async idle(): Promise<void> {
    while (this.running) await this.running.catch(() => {});
  }
}
