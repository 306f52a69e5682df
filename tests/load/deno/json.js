// About 1 KB of JSON built from the query.
export default {
  fetch(request) {
    const url = new URL(request.url);
    const name = url.searchParams.get("name") ?? "world";
    const items = [];
    for (let i = 0; i < 20; i++) {
      items.push({ id: i, name: `${name}-${i}`, active: i % 2 === 0 });
    }
    return Response.json({ hello: name, path: url.pathname, count: items.length, items });
  },
};
