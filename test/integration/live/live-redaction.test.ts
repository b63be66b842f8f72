import { once } from 'node:events';
import { get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveTranscriptLine } from '../../../services/live/live.hub.ts';
import { createTestApi, type TestApi } from '../../support/api.ts';

/**
 * The live transcript as each role gets it: a QA supervisor never reads a card or identity number said in a call in
 * progress (not even the first half of one, before its rest is said), while amounts stay readable; a compliance
 * officer reads the lines as said. Over the real API on a real database, through GET …/transcript and the call's
 * event stream.
 */
describe('live transcript redaction', () => {
  let api: TestApi;
  const captureId = '0b5d7f2a-3c4e-4d6f-8a9b-1c2d3e4f5a6b';
  const keys = {} as Record<'qa' | 'compliance', string>;
  const said = [
    { party: 'agent', startMs: 0, endMs: 3000, text: 'su saldo es de un millón doscientos mil pesos' },
    {
      party: 'customer',
      startMs: 3500,
      endMs: 6000,
      text: 'listo le pago 350 mil el viernes con la tarjeta',
    },
    { party: 'agent', startMs: 6500, endMs: 8000, text: 'me dicta el número de la tarjeta por favor' },
    // a card read across two lines: the first half alone is no card yet
    { party: 'customer', startMs: 8500, endMs: 11000, text: 'cuatro cinco tres dos cero uno cinco' },
    {
      party: 'customer',
      startMs: 11200,
      endMs: 14000,
      text: 'uno dos tres cuatro cinco seis siete ocho nueve',
    },
    { party: 'agent', startMs: 14500, endMs: 16000, text: 'y su cédula' },
    { party: 'customer', startMs: 16500, endMs: 19000, text: 'mi cédula es 52.331.908 y debo 1.200.000' },
  ] as const;
  const lines = said.map((l) => ({ ...l, channel: l.party === 'agent' ? 0 : 1 }));

  /** Stores lines of the call as the live transcriber does. */
  const store = (some: readonly (typeof lines)[number][]) =>
    api.database.handle.db
      .insertInto('live_transcript_lines')
      .values(
        some.map((l) => ({
          capture_id: captureId,
          channel: l.channel,
          party: l.party,
          start_ms: l.startMs,
          end_ms: l.endMs,
          text: l.text,
          language: 'es',
        })),
      )
      .execute();

  beforeAll(async () => {
    api = await createTestApi({ webDir: null });
    const db = api.database.handle.db;
    await db
      .insertInto('live_transcripts')
      .values({
        capture_id: captureId,
        started_at: new Date(),
        agent_id: 'A1',
        team: 'norte',
        language: 'es',
      })
      .execute();
    await store(lines.slice(0, 3));
    keys.qa = (await api.keys.create('qa_supervisor', 'board')).key;
    keys.compliance = (await api.keys.create('compliance_officer', 'audit')).key;
  });
  afterAll(async () => {
    await api?.close();
  });

  /** The call's event stream as `key` gets it, while `publish` puts lines on the hub; the lines it sent. */
  async function streamed(key: string, publish: () => void, count: number): Promise<string[]> {
    const server = api.app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      const res = await new Promise<IncomingMessage>((resolve, reject) =>
        get(
          {
            port,
            host: '127.0.0.1',
            path: `/api/v1/live/calls/${captureId}/events`,
            headers: { Authorization: `Bearer ${key}` },
          },
          resolve,
        ).on('error', reject),
      );
      expect(res.statusCode).toBe(200);
      const texts: string[] = [];
      let buffer = '';
      let published = false;
      for await (const chunk of res) {
        buffer += String(chunk);
        if (!published) {
          // the stream is open (its first bytes came): the subscription is in place
          published = true;
          publish();
        }
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^data: (.*)$/m.exec(event)?.[1];
          if (/^event: line$/m.test(event) && data) texts.push((JSON.parse(data) as LiveTranscriptLine).text);
        }
        if (texts.length >= count) break;
      }
      res.destroy();
      return texts;
    } finally {
      server.closeAllConnections();
      server.close();
    }
  }

  const publishRest = () => {
    for (const l of lines.slice(3)) {
      api.services.live.emit('line', { ...l, captureId, language: 'es' });
    }
  };

  it('hides card and identity numbers from a QA supervisor, the first half of a card included, amounts readable', async () => {
    const texts = await streamed(keys.qa, publishRest, 4);
    expect(texts).toEqual(['[CARD]', '[CARD]', 'y su cédula', 'mi cédula es [CEDULA] y debo 1.200.000']);
    const res = await request(api.app)
      .get(`/api/v1/live/calls/${captureId}/transcript`)
      .set('Authorization', `Bearer ${keys.qa}`);
    expect(res.status).toBe(200);
    const stored = (res.body.lines as { text: string }[]).map((l) => l.text);
    // what the stream did not store: the three stored lines, amounts as said
    expect(stored).toEqual(lines.slice(0, 3).map((l) => l.text));
  });

  it('shows a compliance officer the lines as said', async () => {
    const texts = await streamed(keys.compliance, publishRest, 4);
    expect(texts).toEqual(lines.slice(3).map((l) => l.text));
  });

  it('redacts the stored lines a QA supervisor reads, and not a compliance officer’s', async () => {
    await store(lines.slice(3));
    const read = async (key: string) => {
      const res = await request(api.app)
        .get(`/api/v1/live/calls/${captureId}/transcript`)
        .set('Authorization', `Bearer ${key}`);
      expect(res.status).toBe(200);
      return (res.body.lines as { text: string }[]).map((l) => l.text);
    };
    expect(await read(keys.qa)).toEqual([
      ...lines.slice(0, 3).map((l) => l.text),
      '[CARD]',
      '[CARD]',
      'y su cédula',
      'mi cédula es [CEDULA] y debo 1.200.000',
    ]);
    expect(await read(keys.compliance)).toEqual(lines.map((l) => l.text));
  });
});
