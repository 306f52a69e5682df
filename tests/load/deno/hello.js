// A 12-byte text answer.
export default {
  fetch() {
    return new Response("Hello world!");
  },
};
