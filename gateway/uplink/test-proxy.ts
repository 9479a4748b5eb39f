/**
 * A TCP proxy for uplink tests, between the gateway and a real broker: it can
 * refuse new connections, swallow the broker's replies (so PUBACKs never
 * arrive) and cut live connections. Not used by the running gateway.
 */
import { connect, createServer, type Server, type Socket } from "node:net";

export interface TestProxy {
  port: number;
  url: string;
  /** New connections are closed at once while blocked. */
  block(on: boolean): void;
  /** Bytes from the broker to the client are dropped while muted. */
  mute(on: boolean): void;
  /** Closes every live connection. */
  cut(): void;
  connections(): number;
  close(): Promise<void>;
}

export async function startTestProxy(targetPort: number): Promise<TestProxy> {
  let blocked = false;
  let muted = false;
  let accepted = 0;
  const live = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (blocked) {
      client.destroy();
      return;
    }
    accepted++;
    const upstream = connect(targetPort, "127.0.0.1");
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    live.add(client);
    live.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      live.delete(client);
      live.delete(upstream);
    };
    client.on("data", (d) => upstream.write(d));
    upstream.on("data", (d) => {
      if (!muted) client.write(d);
    });
    client.on("close", end);
    upstream.on("close", end);
    client.on("error", end);
    upstream.on("error", end);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    block: (on) => {
      blocked = on;
    },
    mute: (on) => {
      muted = on;
    },
    cut: () => {
      for (const s of live) s.destroy();
      live.clear();
    },
    connections: () => accepted,
    close: () =>
      new Promise<void>((r) => {
        for (const s of live) s.destroy();
        server.close(() => r());
      }),
  };
}
