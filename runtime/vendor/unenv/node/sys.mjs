export * from "./util.mjs";
export { default } from "./util.mjs";
