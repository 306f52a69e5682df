// The load scripts' cache subject: `/cached` may be kept for an hour, anything else not at all.
export default {
  fetch(request) {
    const cached = new URL(request.url).pathname === "/cached";
    return new Response("Hello from isogate!\n", {
      headers: {
        "content-type": "text/plain; charset=utf-8",
        "cache-control": cached ? "public, max-age=3600" : "no-store",
      },
    });
  },
};
