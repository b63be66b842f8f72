import { runFfmpeg } from '../../services/archive/ffmpeg.runner.ts';

/**
 * Compresses a rendered call for shipping (the demo calls): Ogg/Opus, two independent mono streams
 * (`-mapping_family 255`, so neither party leaks into the other's channel), VBR speech mode, 16 kHz.
 */
export async function encodeOpusFile(wavFile: string, oggFile: string, bitrateKbps = 24): Promise<void> {
  const args = [
    ...['-y', '-i', wavFile],
    ...['-map_metadata', '-1', '-ar', '16000', '-c:a', 'libopus', '-b:a', `${bitrateKbps}k`],
    ...['-vbr', 'on', '-application', 'voip', '-frame_duration', '20', '-compression_level', '10'],
    ...['-mapping_family', '255', '-f', 'ogg', oggFile],
  ];
  await runFfmpeg(args, { what: `encode ${oggFile}` }).done;
}
