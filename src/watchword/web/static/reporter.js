/* Watchword reporter pages: the form's proof of work, done while the person types.
 *
 * The server signs a challenge into the form; this finds a number such that
 * SHA-256("<challenge>:<number>") starts with the required zero bits, in small
 * slices so that the page never stalls. Without JavaScript the form still works
 * (the server then asks only that the form was open a few seconds). No network
 * requests, no storage, nothing else. */
(function () {
  "use strict";

  var K = new Int32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ]);
  var W = new Int32Array(64);

  function rotr(x, n) { return (x >>> n) | (x << (32 - n)); }

  /* SHA-256 of an ASCII string; returns the eight state words. */
  function sha256(text) {
    var len = text.length, blocks = ((len + 9 + 63) >> 6), buf = new Uint8Array(blocks * 64), i, t;
    for (i = 0; i < len; i++) { buf[i] = text.charCodeAt(i) & 255; }
    buf[len] = 0x80;
    var bits = len * 8, end = blocks * 64;
    buf[end - 4] = (bits >>> 24) & 255; buf[end - 3] = (bits >>> 16) & 255;
    buf[end - 2] = (bits >>> 8) & 255; buf[end - 1] = bits & 255;
    var h0 = 0x6a09e667, h1 = 0xbb67ae85 | 0, h2 = 0x3c6ef372, h3 = 0xa54ff53a | 0,
        h4 = 0x510e527f, h5 = 0x9b05688c | 0, h6 = 0x1f83d9ab, h7 = 0x5be0cd19;
    for (var off = 0; off < end; off += 64) {
      for (t = 0; t < 16; t++) {
        i = off + t * 4;
        W[t] = (buf[i] << 24) | (buf[i + 1] << 16) | (buf[i + 2] << 8) | buf[i + 3];
      }
      for (t = 16; t < 64; t++) {
        var w15 = W[t - 15], w2 = W[t - 2];
        var s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >>> 3);
        var s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >>> 10);
        W[t] = (W[t - 16] + s0 + W[t - 7] + s1) | 0;
      }
      var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
      for (t = 0; t < 64; t++) {
        var S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        var ch = (e & f) ^ (~e & g);
        var t1 = (h + S1 + ch + K[t] + W[t]) | 0;
        var S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        var maj = (a & b) ^ (a & c) ^ (b & c);
        var t2 = (S0 + maj) | 0;
        h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h0 = (h0 + a) | 0; h1 = (h1 + b) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0;
      h4 = (h4 + e) | 0; h5 = (h5 + f) | 0; h6 = (h6 + g) | 0; h7 = (h7 + h) | 0;
    }
    return [h0, h1, h2, h3, h4, h5, h6, h7];
  }

  function zeroBits(words) {
    var n = 0;
    for (var i = 0; i < words.length; i++) {
      var z = Math.clz32(words[i]);
      n += z;
      if (z < 32) { break; }
    }
    return n;
  }

  function startWork(form) {
    var token = form.elements.pow_token && form.elements.pow_token.value;
    var out = form.elements.pow_solution;
    var bits = parseInt(form.getAttribute("data-pow-bits"), 10) || 0;
    var status = form.querySelector(".pow-status");
    /* The page's own language, from the form (the template translates them); English if absent. */
    var waitText = form.getAttribute("data-pow-wait") || "Preparing to send… one moment.";
    var sendingText = form.getAttribute("data-pow-sending") || "Sending…";
    var button = form.querySelector("button[type=submit]");
    if (!token || !out) { return; }
    var counter = 0, done = false, waiting = false, sending = false;

    function slice() {
      var stop = counter + 4000;
      for (; counter < stop; counter++) {
        if (zeroBits(sha256(token + ":" + counter)) >= bits) {
          out.value = String(counter);
          done = true;
          if (waiting) { send(); }
          return;
        }
      }
      setTimeout(slice, 0);
    }

    function send() {
      if (sending) { return; }
      sending = true;
      if (button) { button.disabled = true; }
      if (status) { status.textContent = sendingText; }
      HTMLFormElement.prototype.submit.call(form);
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (sending) { return; }
      if (done) { send(); return; }
      waiting = true;
      if (button) { button.disabled = true; }
      if (status) { status.textContent = waitText; }
    });
    setTimeout(slice, 0);
  }

  function init() {
    var forms = document.querySelectorAll("form[data-pow-bits]");
    for (var i = 0; i < forms.length; i++) { startWork(forms[i]); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
  window.watchwordSha256 = sha256; /* for the browser tests, which compare it with Python's */
}());
