import { once } from 'node:events';
import { get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemCaller } from '../../../services/access/caller.ts';
import { AgentActivityRepository } from '../../../services/live/agent-activity.repository.ts';
import { AgentRosterService } from '../../../services/live/agent-roster.ts';
import { localMidnight } from '../../../services/live/live.board.ts';
import { createTestApi, type TestApi } from '../../support/api.ts';
import {
  answerPorts,
  multipart,
  request as sipRequest,
  rtpPackets,
  sdpOffer,
  sendRtp,
  SipClient,
  siprecMetadata,
  startHarness,
  status,
  tone,
  type Harness,
} from '../capture/capture-harness.ts';

/**
 * The live board on the real thing: capture (the SIPREC server) feeding the hub of the API's composition, a call
 * placed over UDP with RTP, seen in GET /live/calls, /live/agents and on the event stream from start to end.
 */

interface StreamEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Reads a Server-Sent Events answer into a list of events as they come. */
function readEvents(res: IncomingMessage, into: StreamEvent[]): void {
  let buffer = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    buffer += chunk;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) into.push({ event, data: JSON.parse(data) as Record<string, unknown> });
    }
  });
}

async function waitFor<T>(find: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the live board fed by capture', () => {
  let api: TestApi;
  let h: Harness;
  let client: SipClient;
  let server: Server;

  beforeAll(async () => {
    api = await createTestApi();
    h = await startHarness({ liveTap: api.services.live });
    client = await SipClient.udp();
    server = api.app.listen(0, '127.0.0.1');
    await once(server, 'listening');
  }, 120_000);

  afterAll(async () => {
    server?.closeAllConnections();
    server?.close();
    client?.close();
    await h?.close();
    await api?.close();
  });

  it('shows a call from its INVITE to its BYE: in the snapshot, on the stream with its levels, and in agent activity', async () => {
    // The roster knows an agent with no call today; the archive holds one earlier call of the agent who will call.
    await new AgentRosterService({
      repository: new AgentActivityRepository(api.database.handle.db),
      auditor: api.services.people.auditor,
    }).import(
      systemCaller('cli', 'test'),
      [{ agentId: 'a-idle', name: 'Inés', team: 'norte', campaign: null }],
      {
        replace: false,
      },
    );
    // Today's, also when the test runs just after midnight.
    const earlier = Math.max(Date.now() - 120_000, localMidnight(Date.now()).getTime());
    await api.database.handle.db
      .insertInto('calls')
      .values({
        started_at: new Date(earlier),
        ended_at: new Date(earlier + 60_000),
        duration_ms: 60_000,
        source: 'seed',
        agent_id: '4711',
        team: 'norte',
        campaign: 'mora-30',
        custom: '{}',
      })
      .execute();

    const { port } = server.address() as AddressInfo;
    const res = await new Promise<IncomingMessage>((resolve, reject) =>
      get(
        {
          port,
          host: '127.0.0.1',
          path: '/api/v1/live/events?team=norte',
          headers: { Authorization: `Bearer ${api.adminKey}` },
        },
        resolve,
      ).on('error', reject),
    );
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    const events: StreamEvent[] = [];
    readEvents(res, events);
    await waitFor(() => events.find((e) => e.event === 'snapshot'), 'the snapshot');
    expect(events[0]).toMatchObject({ event: 'snapshot', data: { items: [] } });

    const callId = 'live-board-1';
    const { contentType, body } = multipart(
      sdpOffer([30100, 30102], { labels: ['1', '2'] }),
      siprecMetadata({
        callerAor: 'sip:+573001234567@carrier',
        calleeAor: 'sip:4711@pbx',
        labels: ['1', '2'],
      }),
    );
    const base = { callId, port: h.sipPort, clientPort: client.port };
    client.send(
      sipRequest({
        ...base,
        method: 'INVITE',
        cseq: 1,
        contentType,
        body,
        headers: [
          'Require: siprec',
          'X-Agent-Id: 4711',
          'X-Team: norte',
          'X-Campaign: mora-30',
          'X-Country: CO',
        ],
      }),
      h.sipPort,
    );
    const ok = await client.waitFor(status(200, 'INVITE'));
    const toTag = /tag=([^;\s]+)/.exec(ok.headers.get('To') ?? '')?.[1];
    client.send(sipRequest({ ...base, method: 'ACK', cseq: 1, toTag }), h.sipPort);
    const started = await waitFor(() => events.find((e) => e.event === 'started'), 'the start on the stream');
    const captureId = started.data.captureId as string;
    expect(started.data).toMatchObject({
      agentId: '4711',
      team: 'norte',
      campaign: 'mora-30',
      customerNumber: '+573001234567',
      direction: 'inbound',
      country: 'CO',
      source: 'siprec',
      pausedSince: null,
    });

    const calls = await request(api.app)
      .get('/api/v1/live/calls')
      .set('Authorization', `Bearer ${api.adminKey}`);
    expect(calls.status).toBe(200);
    expect(calls.body.items).toHaveLength(1);
    expect(calls.body.items[0]).toMatchObject({
      captureId,
      agentId: '4711',
      customerNumber: '+573001234567',
    });
    const otherTeam = await request(api.app)
      .get('/api/v1/live/calls?team=sur')
      .set('Authorization', `Bearer ${api.adminKey}`);
    expect(otherTeam.body.items).toEqual([]);

    const agents = await request(api.app)
      .get('/api/v1/live/agents')
      .set('Authorization', `Bearer ${api.adminKey}`);
    expect(agents.status, JSON.stringify(agents.body)).toBe(200);
    const byId = Object.fromEntries(
      (agents.body.agents as { agentId: string }[]).map((a) => [a.agentId, a as Record<string, unknown>]),
    );
    expect(byId['4711']).toMatchObject({
      state: 'on_call',
      call: { captureId, campaign: 'mora-30' },
      callsToday: 1,
      talkMsToday: 60_000,
      averageHandleMs: 60_000,
      inRoster: false,
    });
    expect(byId['a-idle']).toMatchObject({ state: 'idle', since: null, name: 'Inés', inRoster: true });
    expect(agents.body.teams).toEqual([
      { key: 'norte', busy: 1, idle: 1, inProgress: 1, callsLastHour: 2, callsToday: 1 },
    ]);

    // Both parties speak: their levels reach the stream within about a second.
    const [p1, p2] = answerPorts(ok.body.toString());
    await Promise.all([
      sendRtp(rtpPackets({ samples: tone(0.4, 440), ssrc: 1 }), p1!),
      sendRtp(rtpPackets({ samples: tone(0.4, 660, 3000), ssrc: 2 }), p2!),
    ]);
    const levels = await waitFor(
      () =>
        events
          .filter((e) => e.event === 'levels')
          .flatMap(
            (e) => e.data.items as { captureId: string; agent: number | null; customer: number | null }[],
          )
          .find((l) => l.captureId === captureId && l.agent !== null && l.customer !== null),
      'levels of both parties',
      5000,
    );
    expect(levels.agent).toBeLessThan(0);
    expect(levels.customer).toBeLessThan(0);

    client.send(sipRequest({ ...base, method: 'BYE', cseq: 2, toTag }), h.sipPort);
    await client.waitFor(status(200, 'BYE'));
    const ended = await waitFor(() => events.find((e) => e.event === 'ended'), 'the end on the stream');
    expect(ended.data).toMatchObject({ captureId });
    expect(ended.data.durationMs as number).toBeGreaterThan(0);
    const after = await request(api.app)
      .get('/api/v1/live/calls')
      .set('Authorization', `Bearer ${api.adminKey}`);
    expect(after.body.items).toEqual([]);
    const idle = await request(api.app)
      .get('/api/v1/live/agents')
      .set('Authorization', `Bearer ${api.adminKey}`);
    const agent = (idle.body.agents as { agentId: string; state: string; since: string }[]).find(
      (a) => a.agentId === '4711',
    );
    expect(agent).toMatchObject({ state: 'idle', since: ended.data.endedAt });
    res.destroy();
  }, 60_000);
});
