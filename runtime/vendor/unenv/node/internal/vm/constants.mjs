export const USE_MAIN_CONTEXT_DEFAULT_LOADER = /*@__PURE__*/ Symbol("vm_dynamic_import_main_context_default");
export const DONT_CONTEXTIFY = /*@__PURE__*/ Symbol("vm_context_no_contextify");
