import { createSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';

/**
 * Loopback ports for test servers, drawn below the kernel's ephemeral range (32768–60999 on Linux): an outgoing
 * connection of another process (a database client, a fetch) takes its local port from that range, so a port chosen
 * there can be taken between the check and a later bind, and a server that closes and listens again on its port
 * can find it held.
 */
const LOW = 20000;
const SPAN = 12000;

function drawPort(): number {
  return LOW + Math.floor(Math.random() * SPAN);
}

/** A port free right now for both UDP and TCP on 127.0.0.1. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = drawPort();
    if ((await canBindUdp(port)) && (await canListen(port))) return port;
  }
  throw new Error(`no port free for both UDP and TCP between ${LOW} and ${LOW + SPAN}`);
}

/** Listens `server` on a free loopback port below the ephemeral range and returns the port. */
export async function listenLow(server: Server): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = drawPort();
    const ok = await new Promise<boolean>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        if (error.code === 'EADDRINUSE') resolve(false);
        else reject(error);
      };
      server.once('error', onError);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', onError);
        resolve(true);
      });
    });
    if (ok) return port;
  }
  throw new Error(`no free TCP port between ${LOW} and ${LOW + SPAN}`);
}

async function canBindUdp(port: number): Promise<boolean> {
  const socket = createSocket('udp4');
  return new Promise<boolean>((resolve) => {
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

async function canListen(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
