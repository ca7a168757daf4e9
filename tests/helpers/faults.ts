import { type Server, type Socket, connect, createServer } from 'node:net';
import pg from 'pg';

/**
 * Faults injected from the test: terminating a database's connections, a TCP proxy in front of
 * PostgreSQL the test can reset or blackhole, and a server that accepts and never answers.
 * Real sockets and a real server, no mocks.
 */

/** The PostgreSQL server a test database lives on, for superuser SQL against it. */
export function adminUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('fault tests need TEST_DATABASE_URL');
  return url;
}

export const databaseName = (url: string) => new URL(url).pathname.slice(1);

/** `pg_terminate_backend` on every connection to the database (as a failover would); returns how many. */
export async function terminateConnections(dbUrl: string): Promise<number> {
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    const res = await admin.query(
      'SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [databaseName(dbUrl)],
    );
    return res.rows[0].n;
  } finally {
    await admin.end();
  }
}

export interface Listening {
  port: number;
  close(): Promise<void>;
}

/** A TCP server that accepts connections and never sends a byte: a blackholed database. */
export async function silentServer(): Promise<Listening & { accepted(): number }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((s) => {
    accepted += 1;
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  const port = await listen(server);
  return {
    port,
    accepted: () => accepted,
    close: () => closeServer(server, sockets),
  };
}

/** A port nobody listens on (bound then released): connections are refused. */
export async function refusedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export interface Proxy extends Listening {
  /** Destroys every open connection in both directions (a TCP reset as clients see it). */
  reset(): void;
  /** While on, bytes are swallowed both ways and new connections hang: a network partition. */
  blackhole(on: boolean): void;
  /** While on, new connections are closed at once. */
  refuse(on: boolean): void;
  /**
   * While on, nothing is read from either side (bytes wait in the kernel's buffers, as behind a
   * congested or partitioned link that later heals); off, everything held is delivered.
   */
  stall(on: boolean): void;
  connections(): number;
}

/** A TCP proxy to host:port the test controls. */
export async function tcpProxy(target: { host: string; port: number }): Promise<Proxy> {
  const pairs = new Set<[Socket, Socket]>();
  let holed = false;
  let refusing = false;
  let stalled = false;
  const server = createServer((client) => {
    client.on('error', () => {});
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (chunk) => {
        if (!holed) to.write(chunk);
      });
    forward(client, upstream);
    forward(upstream, client);
    if (stalled) {
      client.pause();
      upstream.pause();
    }
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', drop);
    upstream.on('close', drop);
  });
  const port = await listen(server);
  return {
    port,
    reset() {
      for (const [a, b] of pairs) {
        a.resetAndDestroy();
        b.destroy();
      }
      pairs.clear();
    },
    blackhole(on) {
      holed = on;
    },
    refuse(on) {
      refusing = on;
    },
    stall(on) {
      stalled = on;
      for (const pair of pairs) for (const s of pair) on ? s.pause() : s.resume();
    },
    connections: () => pairs.size,
    async close() {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      await closeServer(server, new Set());
    },
  };
}

/** `url` with its host and port replaced, so a pool connects through a proxy. */
export function viaPort(url: string, port: number): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.toString();
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address && typeof address === 'object') resolve(address.port);
      else reject(new Error('no port'));
    });
  });
}

function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const s of sockets) s.destroy();
  return new Promise((r) => server.close(() => r()));
}

/** Writes `data` on a raw socket and returns everything the server sends until it closes. */
export function rawExchange(port: number, data: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const guard = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within 30 s; got: ${received}`));
    }, 30_000);
    socket.on('data', (c) => {
      received += c.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(guard);
      resolve(received);
    });
    socket.write(data);
  });
}
