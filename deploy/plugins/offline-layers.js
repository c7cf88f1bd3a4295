'use strict';

// `serverless package` compares each layer with the one the deployed stack last uploaded
// (CloudFormation DescribeStacks), so that an unchanged layer is not uploaded again. Packaging
// offline (make package: no account, no network; SLS_PACKAGE_OFFLINE=1) there is no stack to
// ask, and the call fails the whole package. With that variable set, this plugin skips the
// comparison: the layer is always packaged. `serverless deploy` (variable unset) keeps it.
class OfflineLayersPlugin {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      'before:package:compileLayers': () => this.skipComparison(),
    };
  }

  skipComparison() {
    if (process.env.SLS_PACKAGE_OFFLINE !== '1') return;
    const compiler = this.serverless.pluginManager.plugins.find(
      (plugin) => typeof plugin.compareWithLastLayer === 'function'
    );
    if (!compiler) {
      throw new this.serverless.classes.Error('offline-layers: the layer compiler was not found');
    }
    compiler.compareWithLastLayer = async () => undefined;
  }
}

module.exports = OfflineLayersPlugin;
