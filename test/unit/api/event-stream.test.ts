import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { EventStreams, type SendEvent } from '../../../services/api/event-stream.ts';

/** A server with one event stream route; `sends` holds each open stream's sender, `stopped` counts the stops. */
async function serve(streams: EventStreams) {
  const sends: SendEvent[] = [];
  let stopped = 0;
  const app = express();
  app.get('/events', (_req, res) =>
    streams.open(res, (send) => {
      sends.push(send);
      return () => void stopped++;
    }),
  );
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
  return { server, url, sends, stopped: () => stopped };
}

/** Reads a stream's text until `until` matches what was read, or the stream ends. */
async function readUntil(body: ReadableStream<Uint8Array>, until: (text: string) => boolean) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let ended = false;
  while (!until(text)) {
    const { value, done } = await reader.read();
    if (done) {
      ended = true;
      break;
    }
    text += decoder.decode(value, { stream: true });
  }
  reader.releaseLock();
  return { text, ended };
}

describe('EventStreams', () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.closeAllConnections();
    server?.close();
  });

  it('answers with an event stream, sends events and heartbeats, and ends every stream when closed', async () => {
    const streams = new EventStreams(50);
    const s = await serve(streams);
    server = s.server;
    const res = await fetch(s.url);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    await expect.poll(() => s.sends.length).toBe(1);
    s.sends[0]!('alert', { alertId: 'a1' });
    const first = await readUntil(res.body!, (t) => t.includes('event: alert') && t.includes(': heartbeat'));
    expect(first.text).toContain('retry: 3000\n');
    expect(first.text).toContain('event: alert\ndata: {"alertId":"a1"}\n\n');
    expect(streams.size).toBe(1);
    streams.close();
    expect((await readUntil(res.body!, () => false)).ended).toBe(true);
    await expect.poll(() => s.stopped()).toBe(1);
    expect(streams.size).toBe(0);
    // A stream asked for after closing ends at once, subscribing nothing.
    const late = await fetch(s.url);
    expect((await readUntil(late.body!, () => false)).ended).toBe(true);
    expect(s.sends).toHaveLength(1);
  });

  it('ends a stream whose subscription fails, and keeps none of it', async () => {
    const streams = new EventStreams(20);
    const app = express();
    const failures: unknown[] = [];
    app.get('/events', (_req, res) => {
      try {
        streams.open(res, () => {
          throw new Error('no hub');
        });
      } catch (error) {
        failures.push(error);
      }
    });
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/events`);
    expect((await readUntil(res.body!, () => false)).ended).toBe(true);
    expect(failures).toHaveLength(1);
    expect(streams.size).toBe(0);
  });

  it('stops a stream whose client goes', async () => {
    const streams = new EventStreams();
    const s = await serve(streams);
    server = s.server;
    const abort = new AbortController();
    await fetch(s.url, { signal: abort.signal });
    await expect.poll(() => s.sends.length).toBe(1);
    abort.abort();
    await expect.poll(() => s.stopped()).toBe(1);
    expect(streams.size).toBe(0);
  });
});
