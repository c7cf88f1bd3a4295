'use strict';

// The deploy rehearsal (make deploy-rehearsal, docs/DEPLOY.md): with SHOP_EMULATOR_ENDPOINT set
// (http://localhost:<port> of a local moto server), this plugin
//   1. loads serverless-localstack (pinned in deploy/emulator/package.json, installed apart from
//      the root node_modules into .cache/emulator-node) so the pinned CLI talks to the emulator;
//   2. deploys with `deploymentMethod: direct` (moto's change sets do not apply updates);
//   3. in ONE step, `reduceForEmulator`, removes from the template the resource types moto's
//      CloudFormation cannot create (REMOVED_TYPES), rewrites what referred to them, and prints
//      what it removed and what is left, counted by type. Those resources are checked elsewhere
//      (cfn-lint, checkov, tests/deploy), never here.
// Without the variable it does nothing at all: every real deploy and `make package` is unchanged.
const path = require('path');

const REMOVED_TYPES = [
  'AWS::CloudWatch::Alarm',
  'AWS::CloudWatch::Dashboard',
  'AWS::Lambda::Alias',
  'AWS::CodeDeploy::Application',
  'AWS::CodeDeploy::DeploymentGroup',
  'AWS::CloudFront::',
  'AWS::WAFv2::',
  'AWS::ApiGateway::GatewayResponse',
  'AWS::S3::BucketPolicy',
  'AWS::SQS::QueuePolicy',
  'AWS::SNS::Subscription',
];
const LOCALSTACK = path.join(
  process.env.SHOP_EMULATOR_NODE_MODULES || path.join(__dirname, '..', '..', '.cache', 'emulator-node', 'node_modules'),
  'serverless-localstack'
);

// The types the emulator's CloudFormation can create, when the rehearsal says (moto's own list,
// SHOP_EMULATOR_SUPPORTED_TYPES); else the known list above.
const removable = (type, supported) =>
  supported
    ? !supported.has(type)
    : REMOVED_TYPES.some((prefix) => (prefix.endsWith('::') ? type.startsWith(prefix) : type === prefix));

function countByType(resources) {
  const counts = {};
  for (const resource of Object.values(resources)) counts[resource.Type] = (counts[resource.Type] || 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort());
}

// The template moto can create: returns { template, removed, kept, rewritten, droppedOutputs }.
function reduceForEmulator(template, supported) {
  const resources = template.Resources;
  const removedIds = new Set(Object.keys(resources).filter((id) => removable(resources[id].Type, supported)));
  // An alias stands for its function: what invoked the alias invokes the function.
  const aliasOf = {};
  for (const id of removedIds) {
    if (resources[id].Type === 'AWS::Lambda::Alias') aliasOf[id] = resources[id].Properties.FunctionName.Ref;
  }
  let rewritten = 0;
  const stand = (id, attribute) => {
    rewritten += 1;
    if (aliasOf[id]) return { 'Fn::GetAtt': [aliasOf[id], 'Arn'] };
    return `emulator-removed-${id}${attribute ? `-${attribute}` : ''}`;
  };
  const refersToRemoved = (node) => JSON.stringify(node).match(/"(Ref|Fn::GetAtt)":\s*\[?"([A-Za-z0-9]+)/g);
  const rewrite = (node) => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (!node || typeof node !== 'object') return node;
    if (typeof node.Ref === 'string' && removedIds.has(node.Ref)) return stand(node.Ref);
    const getAtt = node['Fn::GetAtt'];
    if (getAtt) {
      const [id, attribute] = Array.isArray(getAtt) ? getAtt : getAtt.split('.');
      if (removedIds.has(id)) return stand(id, attribute);
    }
    if (node['Fn::Sub'] !== undefined) {
      const sub = Array.isArray(node['Fn::Sub']) ? node['Fn::Sub'] : [node['Fn::Sub'], undefined];
      const text = sub[0].replace(/\$\{([A-Za-z0-9]+)(?:\.([A-Za-z0-9.]+))?\}/g, (match, id, attribute) => {
        if (!removedIds.has(id)) return match;
        const value = stand(id, attribute);
        return typeof value === 'string' ? value : `\${${aliasOf[id]}.Arn}`;
      });
      return { 'Fn::Sub': sub[1] === undefined ? text : [text, rewrite(sub[1])] };
    }
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, rewrite(value)]));
  };
  const removed = {};
  for (const id of removedIds) {
    removed[id] = resources[id];
    delete resources[id];
  }
  for (const resource of Object.values(resources)) {
    if (resource.Properties) resource.Properties = rewrite(resource.Properties);
    if (resource.DependsOn) {
      const dependsOn = [].concat(resource.DependsOn).filter((id) => !removedIds.has(id));
      if (dependsOn.length) resource.DependsOn = dependsOn;
      else delete resource.DependsOn;
    }
  }
  const droppedOutputs = [];
  for (const [key, output] of Object.entries(template.Outputs || {})) {
    const refs = refersToRemoved(output.Value) || [];
    const subs = JSON.stringify(output.Value).match(/\$\{([A-Za-z0-9]+)/g) || [];
    const ids = [...refs.map((r) => r.split('"').slice(-1)[0]), ...subs.map((s) => s.slice(2))];
    if (ids.some((id) => removedIds.has(id) && !aliasOf[id])) {
      droppedOutputs.push(key);
      delete template.Outputs[key];
    } else {
      template.Outputs[key] = rewrite(output);
    }
  }
  return { removed: countByType(removed), kept: countByType(resources), rewritten, droppedOutputs };
}

function report({ removed, kept, rewritten, droppedOutputs }) {
  const total = (counts) => Object.values(counts).reduce((a, b) => a + b, 0);
  const lines = [`emulator: removed ${total(removed)} resources moto's CloudFormation cannot create (checked by cfn-lint, checkov, tests/deploy):`];
  for (const [type, count] of Object.entries(removed)) lines.push(`  - ${type}: ${count}`);
  lines.push(`emulator: deploying ${total(kept)} resources:`);
  for (const [type, count] of Object.entries(kept)) lines.push(`  + ${type}: ${count}`);
  lines.push(`emulator: ${rewritten} references rewritten (an alias -> its function; anything else -> a named placeholder)`);
  lines.push(`emulator: outputs left out: ${droppedOutputs.join(', ') || 'none'}`);
  return lines.join('\n');
}

class EmulatorPlugin {
  constructor(serverless, options, utils) {
    this.serverless = serverless;
    this.endpoint = process.env.SHOP_EMULATOR_ENDPOINT;
    this.hooks = {};
    if (!this.endpoint) return;
    const url = new URL(this.endpoint);
    const service = serverless.service;
    service.custom = service.custom || {};
    service.custom.localstack = {
      stages: [options.stage || service.provider.stage || 'dev'],
      host: `${url.protocol}//${url.hostname}`,
      edgePort: Number(url.port),
      autostart: false,
      lambda: { mountCode: false },
    };
    service.provider.deploymentMethod = 'direct';
    let Localstack;
    try {
      Localstack = require(LOCALSTACK);
    } catch (error) {
      throw new serverless.classes.Error(`emulator: serverless-localstack is not installed (${LOCALSTACK}): make deploy-rehearsal installs it`);
    }
    const inner = new Localstack(serverless, options);
    this.hooks = { ...inner.hooks };
    this.commands = inner.commands;
    this.log = (utils && utils.log) || console;
    const previous = this.hooks['before:aws:package:finalize:saveServiceState'];
    this.hooks['before:aws:package:finalize:saveServiceState'] = async () => {
      if (previous) await previous();
      const template = service.provider.compiledCloudFormationTemplate;
      const listed = process.env.SHOP_EMULATOR_SUPPORTED_TYPES;
      const supported = listed ? new Set(listed.split(',')) : undefined;
      process.stdout.write(`${report(reduceForEmulator(template, supported))}\n`);
    };
  }
}

module.exports = EmulatorPlugin;
module.exports.reduceForEmulator = reduceForEmulator;
module.exports.report = report;
