/** The DTMF keypad: the key detector in analytics and the call synthesiser (tools/synth) both use it. */

/** Low and high frequency (Hz) of every DTMF key (ITU-T Q.23). */
export const DTMF_FREQUENCIES: Readonly<Record<string, readonly [number, number]>> = {
  '1': [697, 1209],
  '2': [697, 1336],
  '3': [697, 1477],
  A: [697, 1633],
  '4': [770, 1209],
  '5': [770, 1336],
  '6': [770, 1477],
  B: [770, 1633],
  '7': [852, 1209],
  '8': [852, 1336],
  '9': [852, 1477],
  C: [852, 1633],
  '*': [941, 1209],
  '0': [941, 1336],
  '#': [941, 1477],
  D: [941, 1633],
};

export const DTMF_LOW_GROUP = [697, 770, 852, 941] as const;
export const DTMF_HIGH_GROUP = [1209, 1336, 1477, 1633] as const;
