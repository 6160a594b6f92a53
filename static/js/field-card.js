// Card numbers and QR text as the field phone reads them, offline: the Verhoeff check digit (as
// crm/residents/cards/number.py) and the card number inside a QR ("SMP1:" + the decimal digits of
// 0x01 | kid[4] | payload JSON | signature[64], as crm/residents/cards/token.py). The signature is checked by the
// server when the mark arrives; the phone only needs the number to find the card in its worklist.
(function () {
  // --- card numbers: 12 digits, Verhoeff check digit (as crm/residents/cards/number.py) ---
  const D = [[0,1,2,3,4,5,6,7,8,9],[1,2,3,4,0,6,7,8,9,5],[2,3,4,0,1,7,8,9,5,6],[3,4,0,1,2,8,9,5,6,7],
    [4,0,1,2,3,9,5,6,7,8],[5,9,8,7,6,0,4,3,2,1],[6,5,9,8,7,1,0,4,3,2],[7,6,5,9,8,2,1,0,4,3],
    [8,7,6,5,9,3,2,1,0,4],[9,8,7,6,5,4,3,2,1,0]];
  const P = [[0,1,2,3,4,5,6,7,8,9],[1,5,7,6,2,8,3,0,9,4],[5,8,0,3,7,9,6,1,4,2],[8,9,1,6,0,4,3,5,2,7],
    [9,4,5,3,1,2,6,8,7,0],[4,2,8,6,5,7,3,9,0,1],[2,7,9,3,8,0,6,4,1,5],[7,0,4,6,9,1,3,2,5,8]];
  function validNumber(digits) {
    if (!/^\d{12}$/.test(digits)) return false;
    let c = 0;
    digits.split('').reverse().forEach((ch, i) => { c = D[c][P[i % 8][Number(ch)]]; });
    return c === 0;
  }
  const pretty = (n) => n.replace(/(\d{4})(?=\d)/g, '$1 ');

  // --- the card's QR: "SMP1:" + decimal digits of 0x01 | kid[4] | payload JSON | signature[64] ---
  function numberFromQr(text) {
    if (!/^SMP1:[1-9]\d+$/i.test(text)) return null;
    let hex = BigInt(text.slice(5)).toString(16);
    if (hex.length % 2) hex = '0' + hex;
    const bytes = new Uint8Array(hex.match(/../g).map((h) => parseInt(h, 16)));
    if (bytes[0] !== 1 || bytes.length < 1 + 4 + 2 + 64) return null;
    try {
      const payload = JSON.parse(new TextDecoder().decode(bytes.slice(5, bytes.length - 64)));
      return typeof payload.n === 'string' ? payload.n : null;
    } catch (err) { return null; }
  }

  window.FieldCard = { validNumber, numberFromQr, pretty };
})();
