'use strict';

// Deletion protection only once the stack has completed with its data (docs/DEPLOY.md, "A failed
// first deploy"). A table created with DeletionProtectionEnabled cannot be deleted by the rollback
// of the operation that created it, although its DeletionPolicy (RetainExceptOnCreate) asks for
// exactly that: the stack rolls back with the table left behind, and the next deploy fails on
// "already exists".
//
// So serverless.yml writes `DeletionProtectionEnabled: false`, and when the stage asks for
// protection (custom.dataProtection.enabled), this plugin switches every such property of the
// template to true, but only if the deployed stack already has the output
// custom.dataProtection.establishedOutput. A stack's outputs are those of its last operation that
// succeeded: a first deploy that rolled back (Serverless creates a stack holding only its artifacts
// bucket, then updates it with everything) leaves none, so a retried first deploy is still a first
// deploy; the deploy after a successful one switches protection on. Packaging offline
// (SLS_PACKAGE_OFFLINE=1, make package) asks no account and writes the first deploy's template.
class DataProtectionPlugin {
  constructor(serverless, options, utils) {
    this.serverless = serverless;
    this.log = (utils && utils.log) || { notice: () => undefined };
    this.hooks = {
      'after:aws:package:finalize:mergeCustomProviderResources': () => this.protect(),
    };
  }

  settings() {
    const settings = (this.serverless.service.custom || {}).dataProtection;
    if (!settings || !settings.establishedOutput || settings.enabled === undefined) {
      throw new this.serverless.classes.Error(
        'data-protection: custom.dataProtection needs enabled and establishedOutput'
      );
    }
    return settings;
  }

  async established(output) {
    const provider = this.serverless.getProvider('aws');
    let reply;
    try {
      reply = await provider.request('CloudFormation', 'describeStacks', {
        StackName: provider.naming.getStackName(),
      });
    } catch (error) {
      if (String(error.message).includes('does not exist')) return false;
      throw error;
    }
    const outputs = (reply.Stacks && reply.Stacks[0] && reply.Stacks[0].Outputs) || [];
    return outputs.some((item) => item.OutputKey === output);
  }

  async protect() {
    const settings = this.settings();
    const wanted = settings.enabled === true || settings.enabled === 'true';
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
    const protectable = Object.entries(resources).filter(
      ([, resource]) => resource.Properties && 'DeletionProtectionEnabled' in resource.Properties
    );
    for (const [name, resource] of protectable) {
      if (resource.Properties.DeletionProtectionEnabled !== false) {
        throw new this.serverless.classes.Error(
          `data-protection: ${name} must declare DeletionProtectionEnabled: false (this plugin turns it on)`
        );
      }
    }
    if (!wanted || !protectable.length || process.env.SLS_PACKAGE_OFFLINE === '1') return;
    if (!(await this.established(settings.establishedOutput))) {
      this.log.notice('data-protection: first deploy of this stack, deletion protection comes with the next one');
      return;
    }
    for (const [, resource] of protectable) resource.Properties.DeletionProtectionEnabled = true;
  }
}

module.exports = DataProtectionPlugin;
