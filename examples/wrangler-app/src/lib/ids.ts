// nanoid's `browser` export condition picks its Web Crypto build; its default build needs
// node:crypto.
import { nanoid } from "nanoid";

export function newId(): string {
  return nanoid(12);
}
