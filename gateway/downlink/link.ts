/**
 * A link is the way back to a device: the serial receiver that heard it, or
 * the MQTT broker of Wi-Fi devices. Receivers are named "serial:<id>" and
 * "mqtt"; the registry remembers which one heard each device last.
 */

export interface Link {
  readonly id: string;
  /**
   * Writes framed bytes (frameBytes output) to the device; false when the link
   * is down. `preambleMs`: a radio receiver sends the frame after a wake-up
   * preamble that long, for wake-on-radio detectors (other links ignore it).
   */
  send(deviceId: number, framed: Uint8Array, preambleMs?: number): boolean;
  isUp(): boolean;
}

export class LinkTable {
  private readonly links = new Map<string, Link>();

  add(link: Link): void {
    this.links.set(link.id, link);
  }

  delete(id: string): void {
    this.links.delete(id);
  }

  get(id: string): Link | undefined {
    return this.links.get(id);
  }

  all(): Link[] {
    return [...this.links.values()];
  }
}
