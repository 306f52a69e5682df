// HS256 JSON Web Tokens with crypto.subtle: `POST /login` issues a token, and a middleware
// verifies it (signature, expiry) in front of the protected routes.
import type { ExecutionContext, ExportedHandler } from "@isogate/sdk";

interface Env {
  JWT_SECRET: string;
  DEMO_USER: string;
  DEMO_PASSWORD: string;
}

interface Claims {
  sub: string;
  iat: number;
  exp: number;
}

const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

// The key is imported once per isolate and secret.
let keyFor: { secret: string; key: Promise<CryptoKey> } | undefined;
function hmacKey(secret: string): Promise<CryptoKey> {
  if (keyFor?.secret !== secret) {
    const key = crypto.subtle.importKey(
      "raw",
      encoder.encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    keyFor = { secret, key };
  }
  return keyFor.key;
}

async function sign(claims: Claims, secret: string): Promise<string> {
  const header = base64url(encoder.encode(JSON.stringify({ alg: "HS256", typ: "JWT" })));
  const payload = base64url(encoder.encode(JSON.stringify(claims)));
  const signature = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(`${header}.${payload}`));
  return `${header}.${payload}.${base64url(new Uint8Array(signature))}`;
}

/** The token's claims when its signature and expiry hold; otherwise why not. */
async function verify(token: string, secret: string): Promise<Claims | string> {
  const parts = token.split(".");
  if (parts.length !== 3) return "malformed token";
  const [header, payload, signature] = parts;
  let alg: unknown;
  try {
    alg = JSON.parse(new TextDecoder().decode(fromBase64url(header))).alg;
  } catch {
    return "malformed token";
  }
  if (alg !== "HS256") return "unsupported algorithm";
  const valid = await crypto.subtle.verify(
    "HMAC",
    await hmacKey(secret),
    fromBase64url(signature),
    encoder.encode(`${header}.${payload}`),
  );
  if (!valid) return "bad signature";
  const claims = JSON.parse(new TextDecoder().decode(fromBase64url(payload))) as Claims;
  if (typeof claims.exp !== "number" || claims.exp <= Date.now() / 1000) return "token expired";
  return claims;
}

function unauthorized(reason: string): Response {
  return Response.json(
    { error: "unauthorized", reason },
    { status: 401, headers: { "www-authenticate": `Bearer error="invalid_token", error_description="${reason}"` } },
  );
}

type Protected = (request: Request, env: Env, claims: Claims) => Response | Promise<Response>;

/** Middleware: runs `next` only for a request with a valid bearer token. */
function requireAuth(next: Protected) {
  return async (request: Request, env: Env, _ctx: ExecutionContext): Promise<Response> => {
    const header = request.headers.get("authorization") ?? "";
    const token = header.startsWith("Bearer ") ? header.slice(7) : "";
    if (!token) return unauthorized("missing bearer token");
    const claims = await verify(token, env.JWT_SECRET);
    if (typeof claims === "string") return unauthorized(claims);
    return next(request, env, claims);
  };
}

const me = requireAuth((_request, _env, claims) =>
  Response.json({ user: claims.sub, expires: new Date(claims.exp * 1000).toISOString() })
);

async function login(request: Request, env: Env): Promise<Response> {
  const body = (await request.json().catch(() => null)) as { user?: string; password?: string } | null;
  if (body?.user !== env.DEMO_USER || body?.password !== env.DEMO_PASSWORD) {
    return Response.json({ error: "wrong user or password" }, { status: 403 });
  }
  const now = Math.floor(Date.now() / 1000);
  const token = await sign({ sub: body.user, iat: now, exp: now + 3600 }, env.JWT_SECRET);
  return Response.json({ token, expires_in: 3600 });
}

export default {
  async fetch(request, env, ctx) {
    const { pathname } = new URL(request.url);
    if (pathname === "/login" && request.method === "POST") return login(request, env);
    if (pathname === "/me") return me(request, env, ctx);
    if (pathname === "/") return new Response("public: POST /login, then GET /me with the token\n");
    return Response.json({ error: "not found" }, { status: 404 });
  },
} satisfies ExportedHandler<Env>;
