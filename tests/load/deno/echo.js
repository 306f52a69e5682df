// The SHA-256 of the request body, in hex.
export default {
  async fetch(request) {
    const digest = await crypto.subtle.digest("SHA-256", await request.arrayBuffer());
    const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
    return new Response(hex);
  },
};
