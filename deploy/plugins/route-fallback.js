'use strict';

// Route facts live once, in the HTTP events of serverless.yml's functions. API Gateway sends a
// method that a path lacks (and every CORS preflight) to an ANY method when the path has one, so
// the function named by `custom.routeFallback` gets one ANY event per path that any other function
// routes, and the methods of each path in its ROUTE_METHODS variable (for the Allow header of its
// 405s). src/devtools/serverless_config.py derives the same for the local server and the tests;
// tests/deploy/test_template.py checks that the two derivations agree.
class RouteFallbackPlugin {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      'before:package:initialize': () => this.addFallbackRoutes(),
    };
  }

  addFallbackRoutes() {
    const service = this.serverless.service;
    const name = (service.custom || {}).routeFallback;
    const fallback = service.functions[name];
    if (!fallback) {
      throw new this.serverless.classes.Error(`route-fallback: custom.routeFallback names no function (${name})`);
    }
    if ((fallback.events || []).length) {
      throw new this.serverless.classes.Error(`route-fallback: ${name} must declare no events; they are derived`);
    }
    const methods = {};
    for (const [functionName, fn] of Object.entries(service.functions)) {
      for (const event of fn.events || []) {
        if (!event.http) continue;
        if (typeof event.http !== 'object') {
          throw new this.serverless.classes.Error(`route-fallback: ${functionName} must write http events as objects`);
        }
        const path = '/' + event.http.path.replace(/^\/+|\/+$/g, '');
        (methods[path] = methods[path] || []).push(event.http.method.toUpperCase());
      }
    }
    fallback.events = Object.keys(methods).map((path) => ({ http: { method: 'any', path } }));
    fallback.environment = { ...(fallback.environment || {}), ROUTE_METHODS: JSON.stringify(methods) };
  }
}

module.exports = RouteFallbackPlugin;
