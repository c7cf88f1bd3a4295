'use strict';

// Canary releases for every function of serverless.yml, whoever adds it (no per-function edits):
//
// - an alias (`custom.canary.alias`, `live`) on the version this deploy publishes, and everything
//   that invokes the function (API Gateway integrations and permissions, event source mappings,
//   subscriptions, bucket notifications...) points at the alias instead of the unqualified function;
// - a CodeDeploy deployment group per function that shifts the alias to the new version
//   (`custom.canary.deploymentConfig`, e.g. CodeDeployDefault.LambdaCanary10Percent5Minutes) and
//   rolls back automatically when the function's one canary alarm fires: CloudWatch metric math
//   over the *new version's* Lambda errors, its p95 duration against the function's own budget
//   (durationBudget; Lambda publishes both per alias and executed version), and, for an HTTP
//   function, its 5xx answers counted by the edge per function and executed version
//   (ShopApi/Http5xx: the edge answers an exception with a 500, so Lambda's Errors stay 0), for a
//   queue or stream function its failed records (ShopApi/FailedRecords: a partial batch failure
//   never raises); or
//   when any of custom.canary.stackAlarms (Api5xxRateAlarm) fires. One alarm a function, not one
//   a metric: the stack is at CloudFormation's 500-resource limit;
// - one pre-traffic hook (deploy/hooks/pre_traffic.py, inline code) that invokes the new version
//   with a health event before any traffic reaches it: an HTTP function gets a request for its
//   first route with a probe user's signed token and no body, which must come back below 500
//   without a crash; a function without HTTP events gets `canary.healthEvent` if it declares one,
//   else its new version must be Active. The hook signs the token with the functions' JWT secret
//   (provider.environment's JWT_SECRET_PARAMETER, a SecureString under custom.stackKey): its role
//   may read that one parameter and decrypt with that key through SSM, nothing else of the kind.
//
// tests/deploy/test_canary.py checks all of it on the generated template, for every function.
const fs = require('fs');
const path = require('path');

const HOOK_SOURCE = path.join(__dirname, '..', 'hooks', 'pre_traffic.py');
const POST_HOOK_SOURCE = path.join(__dirname, '..', 'hooks', 'post_traffic.py');
const INLINE_LIMIT = 4096; // CloudFormation's limit for Code.ZipFile
const SIGNING_SETTINGS = ['JWT_SECRET_PARAMETER', 'JWT_ISSUER', 'JWT_AUDIENCE']; // src/shop/config.py
const KEEP_UNQUALIFIED = new Set([
  'AWS::Lambda::Version',
  'AWS::Lambda::Alias',
  'AWS::Lambda::EventInvokeConfig',
  'AWS::CloudWatch::Alarm',
  'AWS::CodeDeploy::DeploymentGroup',
  'AWS::IAM::Role',
  'AWS::IAM::Policy',
  'AWS::IAM::ManagedPolicy',
  'AWS::Logs::LogGroup',
  'AWS::Logs::SubscriptionFilter',
]);

class CanaryPlugin {
  constructor(serverless) {
    this.serverless = serverless;
    if (serverless.configSchemaHandler && serverless.configSchemaHandler.defineFunctionProperties) {
      serverless.configSchemaHandler.defineFunctionProperties('aws', {
        properties: {
          canary: {
            type: 'object',
            properties: { healthEvent: { type: 'object' }, p95Ms: { type: 'number' }, minRequests: { type: 'number' } },
            additionalProperties: false,
          },
        },
      });
    }
    this.hooks = {
      'after:aws:package:finalize:mergeCustomProviderResources': () => this.addCanaries(),
    };
  }

  fail(message) {
    throw new this.serverless.classes.Error(`canary: ${message}`);
  }

  addCanaries() {
    const service = this.serverless.service;
    const provider = this.serverless.getProvider('aws');
    const naming = provider.naming;
    const resources = service.provider.compiledCloudFormationTemplate.Resources;
    const settings = (service.custom || {}).canary || {};
    const aliasName = settings.alias || 'live';
    const deploymentConfig = settings.deploymentConfig;
    const durationMs = Number(settings.durationAlarmMs);
    const topic = settings.alarmTopic; // told when a canary is rolled back
    if (topic && !resources[topic]) this.fail(`custom.canary.alarmTopic names no resource (${topic})`);
    // Stack alarms every deployment group also watches (Api5xxRateAlarm): a release that breaks
    // the API as a whole is rolled back even where no single version's alarm fires.
    const stackAlarms = settings.stackAlarms || [];
    for (const id of stackAlarms) if (!resources[id]) this.fail(`custom.canary.stackAlarms names no resource (${id})`);
    const metrics = settings.metricsNamespace || 'ShopApi';
    if (!deploymentConfig || !(durationMs > 0)) {
      this.fail('custom.canary needs deploymentConfig and durationAlarmMs');
    }
    const prefix = `${service.service}-${provider.getStage()}-`;
    const hookName = `${prefix}preTrafficHook`;
    const postHookName = `${prefix}postTrafficHook`;
    const probes = {};
    const minimums = {};
    const stageMinimum = Number(settings.minRequests || 0);

    for (const [name, fn] of Object.entries(service.functions)) {
      const fnId = naming.getLambdaLogicalId(name);
      const versionId = Object.keys(resources).find(
        (id) => resources[id].Type === 'AWS::Lambda::Version' && (resources[id].Properties.FunctionName || {}).Ref === fnId
      );
      if (!resources[fnId] || !versionId) this.fail(`${name} has no function or version resource (versionFunctions off?)`);
      const base = fnId.replace(/LambdaFunction$/, '');
      const ids = {
        alias: `${base}LambdaAlias`,
        group: `${base}DeploymentGroup`,
        alarm: `${base}CanaryAlarm`,
      };
      const version = { 'Fn::GetAtt': [versionId, 'Version'] };
      const budgetMs = durationBudget(fn, service.provider, durationMs);
      resources[ids.alarm] = canaryAlarm({
        name,
        aliasName,
        topic,
        budgetMs,
        lambdaDimensions: [
          { Name: 'FunctionName', Value: { Ref: fnId } },
          { Name: 'Resource', Value: { 'Fn::Join': [':', [{ Ref: fnId }, aliasName]] } },
          { Name: 'ExecutedVersion', Value: version },
        ],
        // The function's own count of failures by function and executed version: an HTTP
        // function's 5xx answers (src/shop/edge.py: it answers an exception with a 500, so its
        // Lambda Errors stay 0); a queue or stream function's failed records
        // (src/shop/batch_metrics.py: a partial batch failure returns, it does not raise).
        own: ownFailures(fn).map((metricName) => ({
          Namespace: metrics,
          MetricName: metricName,
          Dimensions: [
            { Name: 'function', Value: { Ref: fnId } },
            { Name: 'version', Value: version },
          ],
        })),
      });
      const groupAlarms = [{ Name: { Ref: ids.alarm } }];
      for (const id of stackAlarms) groupAlarms.push({ Name: { Ref: id } });
      resources[ids.group] = {
        Type: 'AWS::CodeDeploy::DeploymentGroup',
        Properties: {
          ApplicationName: { Ref: 'CanaryApplication' },
          ServiceRoleArn: { 'Fn::GetAtt': ['CanaryCodeDeployRole', 'Arn'] },
          DeploymentConfigName: deploymentConfig,
          DeploymentStyle: { DeploymentType: 'BLUE_GREEN', DeploymentOption: 'WITH_TRAFFIC_CONTROL' },
          AutoRollbackConfiguration: {
            Enabled: true,
            Events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST'],
          },
          AlarmConfiguration: { Enabled: true, Alarms: groupAlarms },
        },
      };
      resources[ids.alias] = {
        Type: 'AWS::Lambda::Alias',
        Properties: {
          FunctionName: { Ref: fnId },
          FunctionVersion: { 'Fn::GetAtt': [versionId, 'Version'] },
          Name: aliasName,
        },
        UpdatePolicy: {
          CodeDeployLambdaAliasUpdate: {
            ApplicationName: { Ref: 'CanaryApplication' },
            DeploymentGroupName: { Ref: ids.group },
            BeforeAllowTrafficHook: { Ref: 'CanaryPreTrafficHookLambdaFunction' },
            AfterAllowTrafficHook: { Ref: 'CanaryPostTrafficHookLambdaFunction' },
          },
        },
      };
      pointAtAlias(resources, fnId, ids.alias);
      probes[name] = probe(fn);
      minimums[name] = minRequests(fn, stageMinimum);
    }

    const signing = Object.values(probes).some((probe) => probe.method) ? this.probeSigning(resources) : null;
    Object.assign(resources, this.sharedResources({ hookName, prefix, probes, aliasName, signing }));
    Object.assign(resources, this.postTrafficHook({ postHookName, prefix, minimums, aliasName }));
  }

  // What the hook signs its HTTP probes' token with: the functions' own settings (one value for
  // the stack, provider.environment, so the hook cannot sign for another secret, issuer or
  // audience than the functions verify), and the stack key the SecureString is encrypted with.
  probeSigning(resources) {
    const service = this.serverless.service;
    const environment = service.provider.environment || {};
    for (const [name, fn] of Object.entries(service.functions)) {
      for (const setting of SIGNING_SETTINGS) {
        const own = (fn.environment || {})[setting];
        if (own !== undefined && JSON.stringify(own) !== JSON.stringify(environment[setting])) {
          this.fail(`${name} sets its own ${setting}: the pre-traffic hook signs with provider.environment's`);
        }
      }
    }
    const parameter = environment.JWT_SECRET_PARAMETER;
    if (typeof parameter !== 'string' || !parameter) {
      this.fail('the pre-traffic hook signs its probes with the SSM parameter provider.environment.JWT_SECRET_PARAMETER names; it is not set');
    }
    const key = (service.custom || {}).stackKey;
    if (!key || !resources[key] || resources[key].Type !== 'AWS::KMS::Key') {
      this.fail(`custom.stackKey must name the AWS::KMS::Key of the JWT secret (got ${key})`);
    }
    const variables = {};
    for (const setting of SIGNING_SETTINGS) if (environment[setting] !== undefined) variables[setting] = environment[setting];
    return { variables, parameter, key };
  }

  // A hook's code as CloudFormation gets it (Code.ZipFile), refused at packaging when over the limit.
  inlineSource(file) {
    const code = inlineCode(fs.readFileSync(file, 'utf8'));
    const size = Buffer.byteLength(code, 'utf8');
    const name = path.relative(path.join(__dirname, '..', '..'), file);
    if (size > INLINE_LIMIT) this.fail(`${name} is ${size} characters inlined, over CloudFormation's ${INLINE_LIMIT}`);
    return code;
  }

  // The minimum-traffic rule (deploy/hooks/post_traffic.py): after the canary, each new version
  // must have served its minimum of requests through the alias, or the deployment fails and
  // CodeDeploy moves the alias back. Its own function, role and log group (3 resources): the
  // pre-traffic hook's inline code is at CloudFormation's 4 KB limit.
  postTrafficHook({ postHookName, prefix, minimums, aliasName }) {
    const service = this.serverless.service;
    const code = this.inlineSource(POST_HOOK_SOURCE);
    const sub = (text) => ({ 'Fn::Sub': text });
    const logGroup = `/aws/lambda/${postHookName}`;
    return {
      CanaryPostTrafficHookLogGroup: {
        Type: 'AWS::Logs::LogGroup',
        Properties: { LogGroupName: logGroup, RetentionInDays: service.provider.logRetentionInDays || 14 },
      },
      CanaryPostTrafficHookRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: trust('lambda.amazonaws.com'),
          Policies: [
            policy('canary-post-traffic-hook', [
              {
                Effect: 'Allow',
                Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
                Resource: sub(`arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:${logGroup}:*`),
              },
              { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
              {
                Effect: 'Allow',
                Action: ['codedeploy:GetDeployment', 'codedeploy:PutLifecycleEventHookExecutionStatus'],
                Resource: sub(
                  'arn:${AWS::Partition}:codedeploy:${AWS::Region}:${AWS::AccountId}:deploymentgroup:${CanaryApplication}/*'
                ),
              },
              // GetMetricData takes no resource (CloudWatch has no resource-level permission for it)
              { Effect: 'Allow', Action: ['cloudwatch:GetMetricData'], Resource: '*' },
            ]),
          ],
        },
      },
      CanaryPostTrafficHookLambdaFunction: {
        Type: 'AWS::Lambda::Function',
        DependsOn: ['CanaryPostTrafficHookLogGroup'],
        Metadata: {
          checkov: {
            skip: [
              {
                id: 'CKV_AWS_116',
                comment: 'A failed hook run fails the CodeDeploy deployment (rolled back); a DLQ adds nothing',
              },
            ],
          },
        },
        Properties: {
          FunctionName: postHookName,
          Description: 'CodeDeploy post-traffic hook: fails a new version that served too few requests in its canary',
          Runtime: service.provider.runtime,
          Architectures: [service.provider.architecture || 'x86_64'],
          Handler: 'index.handler',
          MemorySize: 128,
          Timeout: 60,
          TracingConfig: { Mode: 'Active' },
          Role: { 'Fn::GetAtt': ['CanaryPostTrafficHookRole', 'Arn'] },
          Environment: {
            Variables: { FUNCTION_PREFIX: prefix, ALIAS: aliasName, MIN_REQUESTS: JSON.stringify(minimums) },
          },
          Code: { ZipFile: code },
        },
      },
    };
  }

  sharedResources({ hookName, prefix, probes, aliasName, signing }) {
    const service = this.serverless.service;
    const code = this.inlineSource(HOOK_SOURCE);
    const environment = JSON.stringify(probes);
    if (environment.length > 3500) this.fail('the hook probes are over the 4 KB environment limit');
    const sub = (text) => ({ 'Fn::Sub': text });
    // The stack's functions by their name pattern, not a GetAtt each: a per-function reference
    // makes every function a dependency of each alias (alias -> deployment group -> these roles),
    // which closes a cycle as soon as one function's environment needs a resource that depends
    // on another function's alias (MEDIA_BASE_URL -> MediaCdn -> MediaBucket, whose
    // notification invokes processImage's alias). Every function of the stack is named
    // <service>-<stage>-<name> (the Framework's naming), and nothing else in the account is.
    const functions = `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:${prefix}*`;
    const unqualified = [sub(functions)];
    const versions = [sub(`${functions}:*`)];
    const aliases = [sub(`${functions}:${aliasName}`)];
    const hookLogGroup = `/aws/lambda/${hookName}`;
    return {
      CanaryApplication: { Type: 'AWS::CodeDeploy::Application', Properties: { ComputePlatform: 'Lambda' } },
      // What CodeDeploy does for a Lambda deployment: read and move the aliases, invoke the hook,
      // read the alarms (DescribeAlarms takes no resource: AWS's managed role grants it on "*").
      CanaryCodeDeployRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: trust('codedeploy.amazonaws.com'),
          Policies: [
            policy('canary-traffic-shifting', [
              { Effect: 'Allow', Action: ['lambda:GetAlias', 'lambda:UpdateAlias'], Resource: aliases },
              { Effect: 'Allow', Action: ['lambda:GetProvisionedConcurrencyConfig'], Resource: [...unqualified, ...versions] },
              {
                Effect: 'Allow',
                Action: ['lambda:InvokeFunction'],
                Resource: [hookName, `${prefix}postTrafficHook`].map((name) =>
                  sub(`arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:${name}`)
                ),
              },
              { Effect: 'Allow', Action: ['cloudwatch:DescribeAlarms'], Resource: '*' },
            ]),
          ],
        },
      },
      CanaryPreTrafficHookLogGroup: {
        Type: 'AWS::Logs::LogGroup',
        Properties: { LogGroupName: hookLogGroup, RetentionInDays: service.provider.logRetentionInDays || 14 },
      },
      CanaryPreTrafficHookRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: trust('lambda.amazonaws.com'),
          Policies: [
            policy('canary-pre-traffic-hook', [
              {
                Effect: 'Allow',
                Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
                Resource: sub(`arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:${hookLogGroup}:*`),
              },
              { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
              {
                Effect: 'Allow',
                Action: ['codedeploy:GetDeployment', 'codedeploy:PutLifecycleEventHookExecutionStatus'],
                Resource: sub(
                  'arn:${AWS::Partition}:codedeploy:${AWS::Region}:${AWS::AccountId}:deploymentgroup:${CanaryApplication}/*'
                ),
              },
              // the new version of each of the stack's functions, by its number (name pattern: above)
              { Effect: 'Allow', Action: ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'], Resource: versions },
              ...(signing ? readSecret(signing) : []),
            ]),
          ],
        },
      },
      CanaryPreTrafficHookLambdaFunction: {
        Type: 'AWS::Lambda::Function',
        DependsOn: ['CanaryPreTrafficHookLogGroup'],
        Metadata: {
          checkov: {
            skip: [
              {
                id: 'CKV_AWS_116',
                comment: 'A failed hook run fails the CodeDeploy deployment (rolled back); a DLQ adds nothing',
              },
            ],
          },
        },
        Properties: {
          FunctionName: hookName,
          Description: 'CodeDeploy pre-traffic hook: invokes the new version with a health event (a signed probe request)',
          Runtime: service.provider.runtime,
          Architectures: [service.provider.architecture || 'x86_64'],
          Handler: 'index.handler',
          MemorySize: 256,
          Timeout: 60, // one invocation of the function under test (at most its own timeout), one SSM read, two CodeDeploy calls
          TracingConfig: { Mode: 'Active' },
          Role: { 'Fn::GetAtt': ['CanaryPreTrafficHookRole', 'Arn'] },
          Environment: {
            Variables: { FUNCTION_PREFIX: prefix, PROBES: environment, ...(signing ? signing.variables : {}) },
          },
          Code: { ZipFile: code },
        },
      },
    };
  }
}

function trust(principal) {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: [principal] }, Action: ['sts:AssumeRole'] }],
  };
}

// The probe token's secret: GetParameter on the one SecureString (not its -previous: the hook
// signs with the current secret only), decrypted with the stack key through SSM only.
function readSecret({ parameter, key }) {
  const name = parameter.startsWith('/') ? parameter : `/${parameter}`;
  return [
    {
      Effect: 'Allow',
      Action: ['ssm:GetParameter'],
      Resource: { 'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${name}` },
    },
    {
      Effect: 'Allow',
      Action: ['kms:Decrypt'],
      Resource: { 'Fn::GetAtt': [key, 'Arn'] },
      Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'ssm.${AWS::Region}.amazonaws.com' } } },
    },
  ];
}

// The code CloudFormation gets for a hook: the checked-in file without what CloudFormation counts
// against its 4,096 characters and Python does not run: comment lines, docstrings (here: a line
// that opens with triple double quotes, up to the line that closes them), blank lines, and three
// of each four spaces of indentation (ruff formats with four a level; inside brackets indentation
// means nothing). tests/unit/test_canary_plugin.py checks that what is left is the same program
// (the same syntax tree, docstrings aside) for both hooks.
function inlineCode(source) {
  const kept = [];
  let inDocstring = false;
  for (const line of source.split('\n')) {
    const text = line.trim();
    if (inDocstring) {
      inDocstring = !text.includes('"""');
    } else if (text.startsWith('"""')) {
      inDocstring = !text.slice(3).includes('"""');
    } else if (text && !text.startsWith('#')) {
      kept.push(line.trimEnd().replace(/^(?: {4})+/, (indent) => ' '.repeat(indent.length / 4)));
    }
  }
  return kept.join('\n') + '\n';
}

function policy(name, statements) {
  return { PolicyName: name, PolicyDocument: { Version: '2012-10-17', Statement: statements } };
}

const CANARY_PERIOD_S = 120; // one evaluation of two minutes: decides well within a 5-minute canary

// One alarm per function on its new version (the template's resource limit: three alarms a
// function did not fit, issue 30): CloudWatch metric math over the version's Lambda Errors, its
// p95 duration against the function's budget, and the function's own failure counts (`own`: an
// HTTP function's per-version 5xx answers). Each failure counts 1, a p95 above budget counts 1;
// the alarm fires at 1. FILL(..., 0): a metric the version has not published yet is no failure.
function canaryAlarm({ name, aliasName, topic, budgetMs, lambdaDimensions, own }) {
  const stat = (id, metric, statistic) => ({
    Id: id,
    ReturnData: false,
    MetricStat: { Metric: metric, Period: CANARY_PERIOD_S, Stat: statistic },
  });
  const lambda = (metricName) => ({ Namespace: 'AWS/Lambda', MetricName: metricName, Dimensions: lambdaDimensions });
  const failures = ['errors', ...own.map((_, index) => `own${index}`)];
  const expression = [...failures.map((id) => `FILL(${id}, 0)`), `IF(FILL(p95, 0) > ${budgetMs}, 1, 0)`].join(' + ');
  const watched = ['Lambda errors', ...own.map((metric) => metric.MetricName)].join(', ');
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription:
        `${name}: the new version failed (${watched}) or its p95 duration was above ${budgetMs} ms ` +
        `(CodeDeploy rolls the ${aliasName} alias back)`,
      Metrics: [
        stat('errors', lambda('Errors'), 'Sum'),
        stat('p95', lambda('Duration'), 'p95'),
        ...own.map((metric, index) => stat(`own${index}`, metric, 'Sum')),
        { Id: 'failed', Label: `${name} new version: failures + slow`, Expression: expression, ReturnData: true },
      ],
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      ...(topic ? { AlarmActions: [{ Ref: topic }] } : {}),
    },
  };
}

const isHttp = (fn) => (fn.events || []).some((event) => event && event.http);
const isBatch = (fn) => (fn.events || []).some((event) => event && (event.sqs || event.stream));

// The per-version failure metrics (namespace custom.canary.metricsNamespace) a function emits.
function ownFailures(fn) {
  if (isHttp(fn)) return ['Http5xx'];
  if (isBatch(fn)) return ['FailedRecords'];
  return [];
}

// The p95 a new version may take before it is rolled back: `canary.p95Ms` when the function
// declares it; an HTTP function, the stage's latency threshold (custom.canary.durationAlarmMs) but
// never over half its timeout; any other function (a queue, a stream, an upload, a schedule) half
// its timeout, its own budget, so a burst of uploads during a canary does not roll back processImage.
function durationBudget(fn, provider, stageMs) {
  const declared = Number((fn.canary || {}).p95Ms);
  if (declared > 0) return declared;
  const halfTimeout = (1000 * Number(fn.timeout || provider.timeout || 6)) / 2;
  return isHttp(fn) ? Math.min(stageMs, halfTimeout) : halfTimeout;
}

// The requests a new version must serve in its canary before it is promoted: `canary.minRequests`
// when the function declares it; an HTTP function, the stage's custom.canary.minRequests; any
// other function 0 (an upload, a queue message or the schedule's tick is not the deployer's to
// make: their failures still count when they come, through Errors and FailedRecords).
function minRequests(fn, stageMinimum) {
  const declared = (fn.canary || {}).minRequests;
  if (declared !== undefined) return Number(declared);
  return isHttp(fn) ? stageMinimum : 0;
}

// What the hook sends the new version: an HTTP function's first route, or a declared event.
function probe(fn) {
  const declared = (fn.canary || {}).healthEvent;
  if (declared) return { event: declared };
  const http = (fn.events || []).map((event) => event.http).find((event) => event && typeof event === 'object');
  if (!http) return {};
  const method = http.method.toUpperCase() === 'ANY' ? 'OPTIONS' : http.method.toUpperCase();
  return { method, path: '/' + http.path.replace(/^\/+|\/+$/g, '') };
}

// Every reference to the unqualified function (GetAtt Arn, or ${Fn.Arn} in a Sub) outside the
// resources that must name the function itself now names the alias.
function pointAtAlias(resources, fnId, aliasId) {
  const rewrite = (node) => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (!node || typeof node !== 'object') return node;
    const getAtt = node['Fn::GetAtt'];
    if (getAtt && (getAtt === `${fnId}.Arn` || (getAtt[0] === fnId && getAtt[1] === 'Arn'))) return { Ref: aliasId };
    if (typeof node['Fn::Sub'] === 'string') return { 'Fn::Sub': node['Fn::Sub'].split(`\${${fnId}.Arn}`).join(`\${${aliasId}}`) };
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, rewrite(value)]));
  };
  for (const [id, resource] of Object.entries(resources)) {
    if (id === fnId || KEEP_UNQUALIFIED.has(resource.Type) || !resource.Properties) continue;
    resource.Properties = rewrite(resource.Properties);
  }
}

module.exports = CanaryPlugin;
module.exports.inlineCode = inlineCode;
