// The blog tenant: every path renders a small HTML page.
const escape = (text) =>
  text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export default {
  fetch(request, env, ctx) {
    const slug = ctx.params.slug ?? "";
    const title = slug === "" ? env.TITLE : slug.replaceAll("-", " ");
    const html = `<!doctype html><title>${escape(title)}</title><h1>${escape(title)}</h1>`;
    return new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } });
  },
};
