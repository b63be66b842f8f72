import { describe, expect, it } from 'vitest';
import { certificateNames } from '../../../services/capture/sip/sip.tls.ts';

describe(certificateNames.name, () => {
  it('takes the subject CN and the subjectAltName DNS names, lower case, without IP or e-mail names', () => {
    expect(
      certificateNames(
        'SBC1.example.net',
        'DNS:sbc1.example.net, IP Address:10.0.0.5, DNS:Edge.Example.NET, email:a@b',
      ),
    ).toEqual(['sbc1.example.net', 'edge.example.net']);
    expect(certificateNames(['a', 'B'], undefined)).toEqual(['a', 'b']);
    expect(certificateNames(undefined, undefined)).toEqual([]);
  });
});
