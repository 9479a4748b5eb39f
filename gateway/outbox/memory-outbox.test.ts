import { MemoryOutbox } from "./memory-outbox.js";
import { outboxContract } from "./outbox.contract.js";

outboxContract("MemoryOutbox", (cap) => ({ outbox: new MemoryOutbox(cap), close: () => {} }));
