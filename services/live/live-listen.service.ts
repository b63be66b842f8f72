import type { Caller, CallerAudit } from '../access/caller.ts';
import { callScopeOf, inScope, type Principal } from '../access/principal.ts';
import { EscuchaError } from '../platform/errors.ts';
import type { Logger } from '../platform/logger.ts';
import type { LiveCallView, LiveHub } from './live.hub.ts';
import { LIVE_PARTIES, type LiveParty } from './live-audio.protocol.ts';
import {
  LiveAudioStream,
  type LiveAudioSink,
  type LiveAudioStreamOptions,
  type LiveAudioStreamStats,
} from './live-audio.stream.ts';

/**
 * Live listening: who may hear a call in progress, and the audit of every listen. The route's role rule (the same
 * as playback's) is checked by the API before it gets here; this service applies the call scope to the live
 * call's metadata (call-scope's rule, as for an archived call) and records `listen_live` in the audit trail before
 * any audio leaves, then `listen_live_end` with its duration when the listen stops.
 */

export interface LiveListenOptions {
  /** ESCUCHA_DTMF_SILENCE: key presses are silenced live as they are in the archive. */
  silenceKeyPresses: boolean;
  /** Frame size, hold, backpressure and lag limits (tests make them small). */
  stream?: Omit<LiveAudioStreamOptions, 'party' | 'silenceKeyPresses' | 'stillAllowed'>;
}

/** A listen the caller may start: `attach` gives it its sink once the connection is open. */
export interface LiveListen {
  call: LiveCallView;
  party: LiveParty;
  attach(sink: LiveAudioSink): LiveAudioStream;
}

export function mayHearLive(principal: Principal, call: LiveCallView): boolean {
  const m = call.metadata;
  return inScope(callScopeOf(principal), {
    agentId: m.agentId ?? null,
    language: m.language ?? null,
    team: m.team ?? null,
  });
}

export class LiveListenService {
  constructor(
    private readonly hub: LiveHub,
    private readonly audit: CallerAudit,
    private readonly logger: Logger,
    private readonly options: LiveListenOptions,
  ) {}

  /**
   * Decides whether the caller may listen to a call in progress and records that it does. Throws NOT_FOUND when
   * the call is not in progress here, FORBIDDEN when it is outside the caller's scope, BAD_REQUEST for a party
   * other than both, agent or customer.
   */
  async open(caller: Caller, captureId: string, party: string | null | undefined): Promise<LiveListen> {
    const chosen = party ?? 'both';
    if (!(LIVE_PARTIES as readonly string[]).includes(chosen)) {
      throw new EscuchaError('BAD_REQUEST', `party must be one of ${LIVE_PARTIES.join(', ')}`);
    }
    const call = this.hub.call(captureId);
    if (!call) {
      throw new EscuchaError('LIVE_CALL_NOT_FOUND', `no call ${captureId} is in progress here`);
    }
    if (!mayHearLive(caller.principal, call)) {
      throw new EscuchaError('FORBIDDEN', `call ${captureId} is outside your scope`);
    }
    const startedAt = new Date();
    const target = { callId: null, targetType: 'live_call', targetId: captureId };
    await this.audit.recordFor(caller, {
      action: 'listen_live',
      ...target,
      details: { captureId, party: chosen, startedAt: startedAt.toISOString() },
    });
    const listened = (stats: LiveAudioStreamStats) => {
      const endedAt = new Date();
      this.audit
        .recordFor(caller, {
          action: 'listen_live_end',
          ...target,
          details: {
            captureId,
            party: chosen,
            startedAt: startedAt.toISOString(),
            endedAt: endedAt.toISOString(),
            durationMs: endedAt.getTime() - startedAt.getTime(),
            framesSent: stats.framesSent,
            framesDropped: stats.framesDropped,
            reason: stats.reason,
          },
        })
        .catch((error: unknown) =>
          this.logger.error({ err: error, captureId }, 'the end of a live listen could not be audited'),
        );
    };
    return {
      call,
      party: chosen as LiveParty,
      attach: (sink) => {
        const stream = new LiveAudioStream(
          this.hub,
          call,
          sink,
          {
            ...this.options.stream,
            party: chosen as LiveParty,
            silenceKeyPresses: this.options.silenceKeyPresses,
            stillAllowed: (now) => mayHearLive(caller.principal, now),
          },
          listened,
        );
        // The call may have ended between the decision and the connection: the listen then ends at once.
        if (!stream.start()) {
          sink.sendText({ type: 'end', reason: 'ended' });
          sink.close(1000, 'call ended');
          stream.stop('call-ended');
        }
        return stream;
      },
    };
  }
}
