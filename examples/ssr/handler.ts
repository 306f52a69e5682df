// An HTML page rendered per request: the visitor's name from the query (escaped), the time,
// and where the request came from, with a tiny tagged-template renderer instead of JSX.
import type { ExportedHandler } from "@isogate/sdk";

interface Env {
  SITE_NAME: string;
}

/** Text made safe for HTML element content and attribute values. */
function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Trusted markup, as opposed to text that must be escaped. */
class Html {
  constructor(readonly markup: string) {}
  toString(): string {
    return this.markup;
  }
}

/** `html\`<p>${value}</p>\``: interpolated strings are escaped, nested `Html` is not. */
function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0];
  values.forEach((value, i) => {
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) {
      out += item instanceof Html ? item.markup : escape(String(item ?? ""));
    }
    out += strings[i + 1];
  });
  return new Html(out);
}

function page(title: string, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>${title}</title></head>
  <body>${body}</body>
</html>
`;
}

export default {
  fetch(request, env) {
    const url = new URL(request.url);
    const name = url.searchParams.get("name") ?? "visitor";
    const facts = [
      ["Rendered at", new Date().toISOString()],
      ["Path", url.pathname],
      ["Forwarded for", request.headers.get("x-forwarded-for") ?? "unknown"],
    ];
    const body = html`<h1>Hello, ${name}!</h1>
    <p>This page was rendered by ${env.SITE_NAME} for this request.</p>
    <dl>${facts.map(([term, detail]) => html`<dt>${term}</dt><dd>${detail}</dd>`)}</dl>`;
    return new Response(page(env.SITE_NAME, body).markup, {
      headers: {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
      },
    });
  },
} satisfies ExportedHandler<Env>;
