// Web Crypto API.
import { Suite } from "./harness.js";

const s = new Suite("crypto");
const enc = new TextEncoder();
const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");

s.test("getRandomValues fills and checks its argument", (t) => {
  const a = crypto.getRandomValues(new Uint8Array(32));
  t.equal(a.length, 32);
  t.ok(a.some((b) => b !== 0));
  t.throws(() => crypto.getRandomValues(new Float64Array(2)), DOMException);
  t.throws(() => crypto.getRandomValues(new Uint8Array(65537)), DOMException);
});

s.test("randomUUID is a v4 UUID", (t) => {
  const id = crypto.randomUUID();
  t.ok(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id), id);
  t.ok(id !== crypto.randomUUID());
});

s.test("digest SHA-1/256/384/512 known answers", async (t) => {
  t.equal(hex(await crypto.subtle.digest("SHA-256", enc.encode("abc"))),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  t.equal(hex(await crypto.subtle.digest("SHA-1", enc.encode("abc"))),
    "a9993e364706816aba3e25717850c26c9cd0d89d");
  t.equal((await crypto.subtle.digest("SHA-384", enc.encode(""))).byteLength, 48);
  t.equal((await crypto.subtle.digest({ name: "SHA-512" }, enc.encode(""))).byteLength, 64);
});

s.test("HMAC sign and verify (RFC 4231 case 2)", async (t) => {
  const key = await crypto.subtle.importKey("raw", enc.encode("Jefe"), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
  const sig = await crypto.subtle.sign("HMAC", key, enc.encode("what do ya want for nothing?"));
  t.equal(hex(sig), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  t.equal(await crypto.subtle.verify("HMAC", key, sig, enc.encode("what do ya want for nothing?")), true);
  t.equal(await crypto.subtle.verify("HMAC", key, sig, enc.encode("tampered")), false);
});

s.test("AES-GCM encrypt/decrypt round-trip and tamper detection", async (t) => {
  const key = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt", "decrypt"]);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, enc.encode("secret"));
  t.equal(ct.byteLength, 6 + 16);
  const pt = await crypto.subtle.decrypt({ name: "AES-GCM", iv }, key, ct);
  t.equal(new TextDecoder().decode(pt), "secret");
  const bad = new Uint8Array(ct);
  bad[0] ^= 1;
  await t.rejects(crypto.subtle.decrypt({ name: "AES-GCM", iv }, key, bad), DOMException);
});

s.test("ECDSA P-256 sign/verify and JWK export", async (t) => {
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
  const data = enc.encode("message");
  const sig = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, pair.privateKey, data);
  t.equal(await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, pair.publicKey, sig, data), true);
  const jwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
  t.equal(jwk.kty, "EC");
  t.equal(jwk.crv, "P-256");
});

s.test("PBKDF2 deriveBits (RFC 6070 style) and CryptoKey properties", async (t) => {
  const base = await crypto.subtle.importKey("raw", enc.encode("password"), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", salt: enc.encode("salt"), iterations: 1, hash: "SHA-1" }, base, 160);
  t.equal(hex(bits), "0c60c80f961f0e71f3a9b524af6012062fe037a6");
  t.ok(base instanceof CryptoKey);
  t.equal(base.type, "secret");
  t.equal(base.extractable, false);
  await t.rejects(crypto.subtle.exportKey("raw", base), DOMException);
});

s.test("Ed25519 sign and verify", async (t) => {
  const pair = await crypto.subtle.generateKey("Ed25519", false, ["sign", "verify"]);
  const sig = await crypto.subtle.sign("Ed25519", pair.privateKey, enc.encode("x"));
  t.equal(sig.byteLength, 64);
  t.equal(await crypto.subtle.verify("Ed25519", pair.publicKey, sig, enc.encode("x")), true);
});

export default s;
