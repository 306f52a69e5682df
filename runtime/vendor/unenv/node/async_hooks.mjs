import { AsyncLocalStorage } from "./internal/async_hooks/async-local-storage.mjs";
import { AsyncResource } from "./internal/async_hooks/async-resource.mjs";
import { asyncWrapProviders, createHook, executionAsyncId, executionAsyncResource, triggerAsyncId } from "./internal/async_hooks/async-hook.mjs";
export { AsyncLocalStorage } from "./internal/async_hooks/async-local-storage.mjs";
export { AsyncResource } from "./internal/async_hooks/async-resource.mjs";
export * from "./internal/async_hooks/async-hook.mjs";
export default {
	// @ts-expect-error
	asyncWrapProviders,
	AsyncLocalStorage,
	AsyncResource,
	createHook,
	executionAsyncId,
	executionAsyncResource,
	triggerAsyncId
};
