'use strict';

// One CloudWatch dashboard per stage (`<service>-<stage>`), generated from the package, so a
// function, queue or business metric added later is on it without an edit here:
//
// - the API: requests, 4xx and 5xx (sums), latency p50/p95 (API Gateway, by ApiName and Stage);
// - every function of serverless.yml: its duration p50/p95 and, on the right axis, invocations,
//   errors and throttles; an HTTP function also its 5xx answers, a queue or stream function its
//   failed records, every version of it (ShopApi, a SEARCH over the `version` dimension: the
//   canary's per-version counts, src/shop/edge.py and src/shop/batch_metrics.py);
// - throttles of every function and of the table;
// - the depth of every dead-letter queue of the template (a queue another queue's RedrivePolicy
//   or a function's on-failure destination names);
// - the business metrics (custom.dashboard.businessMetrics: the names in src/shop/metrics.py,
//   which tests/deploy/test_dashboard.py compares) by service.
//
// One resource (the stack is near CloudFormation's 500-resource limit). tests/deploy/test_dashboard.py
// checks it on the generated template.

class DashboardPlugin {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      'after:aws:package:finalize:mergeCustomProviderResources': () => this.addDashboard(),
    };
  }

  addDashboard() {
    const service = this.serverless.service;
    const provider = this.serverless.getProvider('aws');
    const naming = provider.naming;
    const resources = service.provider.compiledCloudFormationTemplate.Resources;
    const settings = (service.custom || {}).dashboard || {};
    const namespace = settings.metricsNamespace || 'ShopApi';
    const business = settings.businessMetrics || [];
    const stage = provider.getStage();
    // The REST API's name as the template gives it (API Gateway publishes its metrics by it).
    const api = resources.ApiGatewayRestApi;
    const apiName = api ? api.Properties.Name : `${service.service}-${stage}`;
    const region = '${AWS::Region}';
    const widgets = [];
    const graph = (title, metrics, extra = {}) =>
      widgets.push({
        type: 'metric',
        width: 12,
        height: 6,
        properties: { title, region, view: 'timeSeries', stacked: false, period: 60, metrics, ...extra },
      });

    const apiMetric = (metric, stat, label) => ['AWS/ApiGateway', metric, 'ApiName', apiName, 'Stage', stage, { stat, label }];
    graph('API: requests, 4xx, 5xx', [
      apiMetric('Count', 'Sum', 'requests'),
      apiMetric('4XXError', 'Sum', '4xx'),
      apiMetric('5XXError', 'Sum', '5xx'),
    ]);
    graph('API: latency p50 / p95 (ms)', [apiMetric('Latency', 'p50', 'p50'), apiMetric('Latency', 'p95', 'p95')]);

    const throttles = [];
    for (const [name, fn] of Object.entries(service.functions)) {
      const fnId = naming.getLambdaLogicalId(name);
      if (!resources[fnId]) continue;
      const fnName = `\${${fnId}}`;
      const lambda = (metric, stat, label, right) => [
        'AWS/Lambda',
        metric,
        'FunctionName',
        fnName,
        { stat, label, ...(right ? { yAxis: 'right' } : {}) },
      ];
      const metrics = [
        lambda('Duration', 'p50', 'p50 ms'),
        lambda('Duration', 'p95', 'p95 ms'),
        lambda('Invocations', 'Sum', 'invocations', true),
        lambda('Errors', 'Sum', 'errors', true),
        lambda('Throttles', 'Sum', 'throttles', true),
      ];
      const own = ownFailures(fn);
      if (own) {
        const search = `SEARCH('{${namespace},function,version} MetricName="${own}" function="${fnName}"', 'Sum', 60)`;
        metrics.push([{ expression: search, label: `${own} by version`, yAxis: 'right', id: 'own' }]);
      }
      graph(`${name}: duration p50 / p95, invocations, errors, throttles`, metrics);
      throttles.push(['AWS/Lambda', 'Throttles', 'FunctionName', fnName, { stat: 'Sum', label: name }]);
    }
    const table = Object.keys(resources).find((id) => resources[id].Type === 'AWS::DynamoDB::Table');
    if (table) {
      for (const metric of ['ReadThrottleEvents', 'WriteThrottleEvents']) {
        throttles.push(['AWS/DynamoDB', metric, 'TableName', `\${${table}}`, { stat: 'Sum', label: `table ${metric}` }]);
      }
    }
    graph('Throttles: every function and the table', throttles);

    const deadLetters = deadLetterQueues(resources);
    graph(
      'Dead-letter queues: messages waiting',
      deadLetters.map((id) => [
        'AWS/SQS',
        'ApproximateNumberOfMessagesVisible',
        'QueueName',
        `\${${id}.QueueName}`,
        { stat: 'Maximum', label: id },
      ])
    );
    graph(
      'Payments and refunds',
      business.map((metric) => [namespace, metric, 'service', service.service, { stat: 'Sum', label: metric }])
    );

    resources.ShopDashboard = {
      Type: 'AWS::CloudWatch::Dashboard',
      Properties: {
        DashboardName: `${service.service}-${stage}`,
        DashboardBody: { 'Fn::Sub': JSON.stringify({ widgets }) },
      },
    };
  }
}

const isHttp = (fn) => (fn.events || []).some((event) => event && event.http);
const isBatch = (fn) => (fn.events || []).some((event) => event && (event.sqs || event.stream));
const ownFailures = (fn) => (isHttp(fn) ? 'Http5xx' : isBatch(fn) ? 'FailedRecords' : null);

// Queues that hold what failed elsewhere: a RedrivePolicy's target, or an on-failure destination.
function deadLetterQueues(resources) {
  const found = new Set();
  const target = (arn) => arn && arn['Fn::GetAtt'] && arn['Fn::GetAtt'][1] === 'Arn' && arn['Fn::GetAtt'][0];
  for (const resource of Object.values(resources)) {
    const properties = resource.Properties || {};
    if (resource.Type === 'AWS::SQS::Queue' && properties.RedrivePolicy) {
      found.add(target(properties.RedrivePolicy.deadLetterTargetArn));
    }
    const onFailure = ((properties.DestinationConfig || {}).OnFailure || {}).Destination;
    if (resource.Type === 'AWS::Lambda::EventSourceMapping' && onFailure) found.add(target(onFailure));
    if (resource.Type === 'AWS::Lambda::EventInvokeConfig') {
      found.add(target(((properties.DestinationConfig || {}).OnFailure || {}).Destination));
    }
  }
  found.delete(undefined);
  found.delete(false);
  return [...found].filter((id) => resources[id] && resources[id].Type === 'AWS::SQS::Queue').sort();
}

module.exports = DashboardPlugin;
