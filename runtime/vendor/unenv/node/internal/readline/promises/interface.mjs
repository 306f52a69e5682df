import { Interface as _Interface } from "../interface.mjs";
export class Interface extends _Interface {
	question(query, options) {
		return Promise.resolve("");
	}
}
