'use strict';

// The Framework compiles every event source's permissions (table stream reads, queue
// receives, the stream's on-failure queue) into its shared default role, whichever
// function the event belongs to. Every function has its own role here
// (serverless-iam-roles-per-function, which grants the same event source permissions per
// function), so the shared role would be a role nothing uses that can read the table's
// stream. This plugin removes it once no function runs on it, and fails the package if one
// still does (a function without iamRoleStatements: give it `iamRoleStatements: []`).
class NoSharedRolePlugin {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      'after:aws:package:finalize:mergeCustomProviderResources': () => this.dropSharedRole(),
    };
  }

  dropSharedRole() {
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
    const shared = 'IamRoleLambdaExecution';
    if (!resources[shared]) return;
    const users = Object.keys(resources).filter(
      (id) => id !== shared && JSON.stringify(resources[id]).includes(`"${shared}"`)
    );
    if (users.length) {
      throw new this.serverless.classes.Error(
        `no-shared-role: ${users.join(', ')} still use ${shared}; give each function iamRoleStatements`
      );
    }
    delete resources[shared];
  }
}

module.exports = NoSharedRolePlugin;
