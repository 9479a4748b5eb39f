/**
 * Sends PUBACKs in the order the PUBLISH packets arrived (MQTT 5.0 §4.6:
 * "MUST send PUBACK packets in the order in which the corresponding PUBLISH
 * packets were received"), each only once its message is done. When the
 * connection drops, everything pending is forgotten: the broker resends those
 * messages on the new connection (persistent session) and packet ids of the
 * old connection must not be acknowledged on the new one.
 */

export interface AckSlot {
  readonly messageId: number;
  readonly generation: number;
  done: boolean;
}

export class AckSequencer {
  private slots: AckSlot[] = [];
  private head = 0;
  private gen = 0;

  constructor(private readonly sendAck: (messageId: number) => void) {}

  get pending(): number {
    return this.slots.length - this.head;
  }

  get generation(): number {
    return this.gen;
  }

  register(messageId: number): AckSlot {
    const slot: AckSlot = { messageId, generation: this.gen, done: false };
    this.slots.push(slot);
    return slot;
  }

  complete(slot: AckSlot): void {
    if (slot.generation !== this.gen || slot.done) return;
    slot.done = true;
    while (this.head < this.slots.length && this.slots[this.head]!.done) {
      this.sendAck(this.slots[this.head]!.messageId);
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.slots.length) {
      this.slots = this.slots.slice(this.head);
      this.head = 0;
    }
  }

  /** The connection is gone: pending slots will never be acknowledged. */
  reset(): number {
    const dropped = this.pending;
    this.slots = [];
    this.head = 0;
    this.gen++;
    return dropped;
  }
}
