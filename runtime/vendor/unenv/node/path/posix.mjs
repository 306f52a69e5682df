export * from "../path.mjs";
export { default } from "../path.mjs";
