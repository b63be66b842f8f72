/**
 * Validity checks for identifiers: Luhn (payment cards), the Spanish DNI/NIE check letter, Mexican CURP and RFC
 * shapes, and the US SSN ranges the SSA never issues.
 */

export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';

/** Spanish DNI (8 digits + letter) or NIE (X/Y/Z + 7 digits + letter) with a correct check letter. */
export function dniValid(value: string): boolean {
  const v = value.toUpperCase().replace(/[\s-]/g, '');
  let m = /^(\d{8})([A-Z])$/.exec(v);
  if (m) return DNI_LETTERS[Number(m[1]) % 23] === m[2];
  m = /^([XYZ])(\d{7})([A-Z])$/.exec(v);
  if (m) {
    const n = Number({ X: '0', Y: '1', Z: '2' }[m[1] as 'X' | 'Y' | 'Z'] + m[2]);
    return DNI_LETTERS[n % 23] === m[3];
  }
  return false;
}

function validYYMMDD(s: string): boolean {
  const mm = Number(s.slice(2, 4));
  const dd = Number(s.slice(4, 6));
  return mm >= 1 && mm <= 12 && dd >= 1 && dd <= 31;
}

/** CURP: 4 letters, birth date YYMMDD, H/M, state, 3 consonants, a check pair. */
export const CURP_RE = /\b[A-Z][AEIOUX][A-Z]{2}\d{6}[HM][A-Z]{2}[B-DF-HJ-NP-TV-Z]{3}[A-Z\d]\d\b/gi;
/** RFC: 3 (company) or 4 (person) letters, date YYMMDD, 3-character homoclave. */
export const RFC_RE = /\b[A-ZÑ&]{3,4}\d{6}[A-Z\d]{3}\b/gi;

export function curpValid(value: string): boolean {
  const v = value.toUpperCase();
  return new RegExp(`^${CURP_RE.source.slice(2, -2)}$`, 'i').test(v) && validYYMMDD(v.slice(4, 10));
}

export function rfcValid(value: string): boolean {
  const v = value.toUpperCase();
  const m = /^([A-ZÑ&]{3,4})(\d{6})([A-Z\d]{3})$/.exec(v);
  return !!m && validYYMMDD(m[2]!);
}

/** Area 000, 666 and 900–999, group 00 and serial 0000 are never issued. */
export function ssnPlausible(digits: string): boolean {
  if (!/^\d{9}$/.test(digits)) return false;
  const area = Number(digits.slice(0, 3));
  return (
    area !== 0 && area !== 666 && area < 900 && digits.slice(3, 5) !== '00' && digits.slice(5) !== '0000'
  );
}
