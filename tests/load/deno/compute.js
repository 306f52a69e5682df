// A 26 KB HTML table, computed for each request.
export default {
  fetch() {
    let rows = "";
    for (let i = 0; i < 530; i++) {
      rows += `<tr><td>${i}</td><td>${(i * i) % 977}</td><td>${Math.sqrt(i).toFixed(4)}</td></tr>\n`;
    }
    return new Response(`<!DOCTYPE html><html><body><table>\n${rows}</table></body></html>`, {
      headers: { "content-type": "text/html; charset=utf-8" },
    });
  },
};
