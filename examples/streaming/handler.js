// Server-sent events from a ReadableStream: one event every 200 ms, sent as it is produced.
const encoder = new TextEncoder();

export default {
  fetch(request) {
    const url = new URL(request.url);
    if (url.pathname !== "/events") {
      return new Response(
        `<!doctype html><title>isogate events</title><pre id="log"></pre>
<script>
  const source = new EventSource("/events?count=10");
  source.onmessage = (event) => { log.textContent += event.data + "\\n"; };
  source.addEventListener("done", () => source.close());
</script>`,
        { headers: { "content-type": "text/html; charset=utf-8" } },
      );
    }
    const count = Math.min(Number(url.searchParams.get("count")) || 5, 100);
    let sent = 0;
    let timer;
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(encoder.encode(": stream opened\n\n"));
        timer = setInterval(() => {
          sent += 1;
          controller.enqueue(
            encoder.encode(`id: ${sent}\ndata: tick ${sent} at ${new Date().toISOString()}\n\n`),
          );
          if (sent === count) {
            clearInterval(timer);
            controller.enqueue(encoder.encode("event: done\ndata: bye\n\n"));
            controller.close();
          }
        }, 200);
      },
      cancel() {
        // The client went away: stop producing.
        clearInterval(timer);
      },
    });
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream",
        "cache-control": "no-store",
      },
    });
  },
};
