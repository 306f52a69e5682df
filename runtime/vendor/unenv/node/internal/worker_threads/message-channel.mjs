import { MessagePort } from "./message-port.mjs";
export class MessageChannel {
	port1 = new MessagePort();
	port2 = new MessagePort();
}
