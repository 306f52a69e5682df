export class SecureContext {
	context = {};
}
