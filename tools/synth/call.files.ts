import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writePcapFile } from './pcap.writer.ts';
import type { CallScript } from '../../services/cli/call-script.ts';
import { CallRenderer, referenceTranscript, type RenderedCall } from './call.renderer.ts';
import { resample } from './dsp.ts';
import type { SpeechSynthesizer } from './espeak.tts.ts';
import { buildSipCall, type SipCallCapture, type SipCallOptions } from './sip-call.builder.ts';
import { encodeWav } from './wav.ts';

/** What `npm run synth-call` writes for one script. */
export interface SynthOutputs {
  /** Stereo WAV: agent left, customer right. */
  wav?: string;
  /** `pcm16` = 16 kHz 16-bit (default); `ulaw` = 8 kHz G.711 µ-law, as telephone recorders store calls. */
  wavFormat?: 'pcm16' | 'ulaw';
  /** SIP + RTP capture (classic pcap, Ethernet). */
  pcap?: string;
  /** Reference transcript JSON: language, durationMs, segments (party, channel, startMs, endMs, text), dtmf. */
  transcript?: string;
  sip?: SipCallOptions;
}

export interface SynthResult {
  call: RenderedCall;
  capture?: SipCallCapture;
}

/** The call as WAV bytes in the requested format. */
export function renderedWav(call: RenderedCall, format: 'pcm16' | 'ulaw' = 'pcm16'): Buffer {
  if (format === 'pcm16') return encodeWav({ sampleRate: call.sampleRate, channels: call.channels }, 'pcm16');
  const channels = call.channels.map((c) => resample(c, call.sampleRate, 8000));
  return encodeWav({ sampleRate: 8000, channels }, 'ulaw');
}

export async function synthesizeCallFiles(
  script: CallScript,
  outputs: SynthOutputs,
  tts: SpeechSynthesizer,
): Promise<SynthResult> {
  const call = await new CallRenderer(tts).render(script);
  const ensureDir = (file: string) => mkdir(path.dirname(path.resolve(file)), { recursive: true });
  if (outputs.wav) {
    await ensureDir(outputs.wav);
    await writeFile(outputs.wav, renderedWav(call, outputs.wavFormat));
  }
  if (outputs.transcript) {
    await ensureDir(outputs.transcript);
    await writeFile(outputs.transcript, `${JSON.stringify(referenceTranscript(call), null, 2)}\n`);
  }
  let capture: SipCallCapture | undefined;
  if (outputs.pcap) {
    capture = buildSipCall(script, call, outputs.sip);
    await ensureDir(outputs.pcap);
    await writePcapFile(outputs.pcap, capture.frames);
  }
  return { call, ...(capture ? { capture } : {}) };
}
