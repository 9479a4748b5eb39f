/**
 * Backpressure from the commit hand-off to the MQTT broker: while more
 * accepted frames wait for their commit than `holdAbove`, the gateway stops
 * reading its telemetry connection, so the backlog waits in the broker (a
 * persistent session, QoS 1) instead of in the gateway's memory, and reads
 * again once the backlog is down to half. Only telemetry is held: events and
 * alarms come on their own connection (mqtt-external.ts) and never wait.
 * Pure: the caller passes the backlog in and carries the decision out.
 */
export class IngestBackpressure {
  /** Times reading was held. */
  holds = 0;
  private held = false;

  constructor(
    private holdAbove: number,
    private readonly hold: (on: boolean) => void,
  ) {}

  get holding(): boolean {
    return this.held;
  }

  /** `backlog`: accepted frames not yet committed. `0` for holdAbove turns holding off. */
  update(backlog: number): void {
    if (!this.held && this.holdAbove > 0 && backlog > this.holdAbove) {
      this.held = true;
      this.holds++;
      this.hold(true);
    } else if (this.held && (this.holdAbove === 0 || backlog <= this.holdAbove / 2)) {
      this.held = false;
      this.hold(false);
    }
  }

  /** A reload's new mark (the next update decides with it). */
  configure(holdAbove: number): void {
    this.holdAbove = holdAbove;
  }
}
