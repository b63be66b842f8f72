import { Command } from 'commander';
import { loadCallScript } from '../../services/cli/call-script.ts';
import { EscuchaError } from '../../services/platform/errors.ts';
import { synthesizeCallFiles } from './call.files.ts';
import { EspeakSynthesizer } from './espeak.tts.ts';
import { runTool } from './tool.ts';

/**
 * `npm run synth-call -- <script> [--wav f] [--pcap f] [--transcript f]`: renders a call script into a stereo WAV,
 * a SIP+RTP capture and its reference transcript (a development tool: not part of the escucha command).
 */
await runTool(
  new Command('synth-call')
    .argument('<script>', 'the call script (JSON)')
    .description(
      'render a call script (JSON) with espeak-ng: stereo WAV (agent left, customer right), SIP+RTP pcap with ' +
        'RFC 4733 DTMF, and the reference transcript',
    )
    .option('--wav <file>', 'write the call as a WAV file')
    .option('--ulaw', 'WAV as 8 kHz G.711 µ-law (default 16 kHz 16-bit PCM)', false)
    .option('--pcap <file>', 'write the call as a SIP + RTP capture (classic pcap, Ethernet)')
    .option(
      '--transcript <file>',
      'write the reference transcript (segments with party, times, text; DTMF events)',
    )
    .option('--seed <n>', "seed of the gaps between turns (default: the script's)")
    .action(
      async (
        file: string,
        opts: { wav?: string; ulaw: boolean; pcap?: string; transcript?: string; seed?: string },
      ) => {
        if (!opts.wav && !opts.pcap && !opts.transcript) {
          throw new EscuchaError('BAD_REQUEST', 'nothing to write: give --wav, --pcap and/or --transcript');
        }
        const script = await loadCallScript(file);
        if (opts.seed !== undefined) {
          const seed = Number(opts.seed);
          if (!Number.isInteger(seed) || seed < 0)
            throw new EscuchaError('BAD_REQUEST', '--seed must be a whole number ≥ 0');
          script.seed = seed;
        }
        const tts = new EspeakSynthesizer();
        const { call, capture } = await synthesizeCallFiles(
          script,
          {
            ...(opts.wav ? { wav: opts.wav, wavFormat: opts.ulaw ? 'ulaw' : 'pcm16' } : {}),
            ...(opts.pcap ? { pcap: opts.pcap } : {}),
            ...(opts.transcript ? { transcript: opts.transcript } : {}),
          },
          tts,
        );
        console.log(
          `rendered ${(call.durationMs / 1000).toFixed(2)} s: ${call.segments.length} lines, ${call.dtmf.length} keys ` +
            `(agent ${call.voices.agent.voice}, customer ${call.voices.customer.voice})`,
        );
        if (opts.wav)
          console.log(`  wav:        ${opts.wav} (${opts.ulaw ? '8 kHz µ-law' : '16 kHz 16-bit'}, stereo)`);
        if (capture && opts.pcap) {
          const { agent, customer } = capture.streams;
          console.log(
            `  pcap:       ${opts.pcap} (${capture.frames.length} packets, Call-ID ${capture.callId}; ` +
              `RTP agent→customer ${agent.audioPackets}, customer→agent ${customer.audioPackets}, ` +
              `telephone-event ${agent.eventPackets + customer.eventPackets})`,
          );
        }
        if (opts.transcript) console.log(`  transcript: ${opts.transcript}`);
      },
    ),
);
