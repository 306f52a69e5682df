// A small test harness run inside an isogate isolate: suites register tests, every assertion
// is counted per API, and failures carry their message.

export class Suite {
  constructor(api) {
    this.api = api;
    this.tests = [];
  }

  test(name, fn) {
    this.tests.push({ name, fn });
  }
}

export class Assert {
  constructor() {
    this.count = 0;
  }

  ok(value, message = "expected a truthy value") {
    this.count += 1;
    if (!value) throw new Error(message);
  }

  equal(actual, expected, message = "") {
    this.count += 1;
    if (!Object.is(actual, expected)) {
      throw new Error(`${message} expected ${String(expected)}, got ${String(actual)}`.trim());
    }
  }

  deepEqual(actual, expected, message = "") {
    this.count += 1;
    const a = JSON.stringify(actual);
    const b = JSON.stringify(expected);
    if (a !== b) throw new Error(`${message} expected ${b}, got ${a}`.trim());
  }

  throws(fn, ctor, message = "") {
    this.count += 1;
    try {
      fn();
    } catch (err) {
      if (ctor && !(err instanceof ctor)) {
        throw new Error(`${message} expected ${ctor.name}, got ${err?.name}: ${err?.message}`.trim());
      }
      return err;
    }
    throw new Error(`${message} expected a throw`.trim());
  }

  async rejects(promise, ctor, message = "") {
    this.count += 1;
    try {
      await promise;
    } catch (err) {
      if (ctor && !(err instanceof ctor)) {
        throw new Error(`${message} expected ${ctor.name}, got ${err?.name}: ${err?.message}`.trim());
      }
      return err;
    }
    throw new Error(`${message} expected a rejection`.trim());
  }
}

/** Runs every test of every suite; returns per-API counts and the failures. */
export async function runAll(suites) {
  const apis = {};
  const failures = [];
  for (const suite of suites) {
    const counts = (apis[suite.api] ??= { tests: 0, passed: 0, failed: 0, assertions: 0 });
    for (const { name, fn } of suite.tests) {
      const assert = new Assert();
      counts.tests += 1;
      try {
        await fn(assert);
        counts.passed += 1;
      } catch (err) {
        counts.failed += 1;
        failures.push({ id: `${suite.api}/${name}`, message: String(err?.message ?? err) });
      }
      counts.assertions += assert.count;
    }
  }
  return { apis, failures };
}
