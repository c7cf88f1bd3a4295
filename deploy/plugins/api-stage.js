'use strict';

// Serverless v3 lets its Deployment resource create the API stage implicitly and then
// patches tracing and logs through the SDK after the deploy, so a stage's throttling
// and a WAF association cannot be written in serverless.yml: nothing there can name the
// Deployment, whose logical id changes with every package. This plugin wires the
// `ApiGatewayStage` resource declared in serverless.yml to that Deployment and takes the
// stage name off the Deployment, so the stage (throttling, metrics, tracing) is a plain
// CloudFormation resource that cfn-lint checks and the WAF can be associated with.
//
// A Deployment is a snapshot of the API taken when it is created: whatever of the API is created
// after it is missing from the stage until the next deployment. Serverless makes it depend on the
// Methods only, so the Deployment here also waits for every other part of the same API that a
// snapshot holds (gateway responses, authorizers, models, validators), whoever declares them.
const SNAPSHOT_TYPES = new Set([
  'AWS::ApiGateway::Method',
  'AWS::ApiGateway::GatewayResponse',
  'AWS::ApiGateway::Authorizer',
  'AWS::ApiGateway::Model',
  'AWS::ApiGateway::RequestValidator',
]);

class ApiStagePlugin {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      'after:aws:package:finalize:mergeCustomProviderResources': () => this.wireStage(),
    };
  }

  // The access log setting Serverless patches in after the deploy, in the stage resource itself.
  accessLogs(resources, stage) {
    const logs = ((this.serverless.service.provider.logs || {}).restApi || {});
    if (!logs.accessLogging || !logs.format || !resources.ApiGatewayLogGroup) return;
    stage.DependsOn = [...new Set([...[].concat(stage.DependsOn || []), 'ApiGatewayLogGroup'])];
    stage.Properties.AccessLogSetting = {
      DestinationArn: {
        'Fn::Sub': ['arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${Name}', {
          Name: resources.ApiGatewayLogGroup.Properties.LogGroupName,
        }],
      },
      Format: logs.format,
    };
  }

  wireStage() {
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    const resources = template.Resources;
    const stage = resources.ApiGatewayStage;
    const deployments = Object.keys(resources).filter(
      (id) => resources[id].Type === 'AWS::ApiGateway::Deployment'
    );
    if (!stage || deployments.length !== 1) {
      throw new this.serverless.classes.Error(
        `api-stage: expected resources.ApiGatewayStage and one Deployment, found ${deployments.length}`
      );
    }
    const deployment = resources[deployments[0]];
    delete deployment.Properties.StageName;
    const restApi = JSON.stringify(deployment.Properties.RestApiId);
    const parts = Object.keys(resources).filter(
      (id) => SNAPSHOT_TYPES.has(resources[id].Type) && JSON.stringify(resources[id].Properties.RestApiId) === restApi
    );
    const dependsOn = [].concat(deployment.DependsOn || []);
    deployment.DependsOn = [...dependsOn, ...parts.filter((id) => !dependsOn.includes(id))];
    stage.Properties.DeploymentId = { Ref: deployments[0] };
    this.accessLogs(resources, stage);
  }
}

module.exports = ApiStagePlugin;
