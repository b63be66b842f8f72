import type { RecordingCall } from '../spool/recording.call.ts';
import type { DialogEvent } from './sip.dialog.ts';

/**
 * What a dialog's events do to the call being recorded, the same for the recording server and passive capture:
 * metadata is spooled, pauses and resumes mark the recording, key presses signalled in SIP are kept, notes are
 * noted. A party's SDP and the end are the path's own business (ports, packet matching, closing the call).
 */
export function recordDialogEvent(call: RecordingCall, event: DialogEvent): void {
  switch (event.t) {
    case 'metadata':
      call.updateSip(event.headers, event.siprec);
      return;
    case 'pause':
      call.pause(event.atMs, event.reason);
      return;
    case 'resume':
      call.resume(event.atMs);
      return;
    case 'key':
      call.dtmfInfo(event.channel, event.digit, event.durationMs, event.atMs);
      return;
    case 'note':
      call.note(event.text);
      return;
    case 'sdp':
    case 'ended':
      return;
  }
}
