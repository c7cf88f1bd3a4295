'use strict';

// Every function's zip gets the same `src/shop/**` and every requirement (serverless-python-requirements).
// Some paths are for a few functions only (src/shop/providers/stripe_api.py, which imports the
// `stripe` library: the payment functions, which alone get the library, in the `stripe` layer).
// `custom.functionPackages` maps a zip path prefix to the functions that keep it; this plugin
// removes that prefix from every other function's zip, after the requirements were injected, so
// those functions neither carry nor load it. (A large library only some functions need is a layer
// instead: pruning it here would still compress it into every zip first.)
const fs = require('fs');
const path = require('path');
const JSZip = require('jszip');

class FunctionPackagesPlugin {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      // Runs after serverless-python-requirements' hook on the same event (listed before this one).
      'after:package:createDeploymentArtifacts': () => this.prune(),
    };
  }

  async prune() {
    const service = this.serverless.service;
    const keep = (service.custom || {}).functionPackages || {};
    const functions = service.getAllFunctions();
    for (const [prefix, owners] of Object.entries(keep)) {
      const unknown = owners.filter((name) => !functions.includes(name));
      if (unknown.length) {
        throw new this.serverless.classes.Error(`function-packages: ${prefix} names unknown functions ${unknown}`);
      }
    }
    for (const name of functions) {
      const drop = Object.keys(keep).filter((prefix) => !keep[prefix].includes(name));
      const artifact = (service.getFunction(name).package || {}).artifact;
      if (!drop.length || !artifact) continue;
      const file = path.resolve(this.serverless.serviceDir, artifact);
      const zip = await JSZip.loadAsync(fs.readFileSync(file));
      const doomed = Object.keys(zip.files).filter((entry) => drop.some((prefix) => entry.startsWith(prefix)));
      if (!doomed.length) continue;
      doomed.forEach((entry) => zip.remove(entry));
      // The same options as serverless-python-requirements' own writeZip.
      const data = await zip.generateAsync({
        type: 'nodebuffer',
        platform: 'UNIX',
        compression: 'DEFLATE',
        compressionOptions: { level: 9 },
      });
      fs.writeFileSync(file, data);
    }
  }
}

module.exports = FunctionPackagesPlugin;
