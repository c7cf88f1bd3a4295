'use strict';

// Settings that must hold for every resource of a kind, whoever adds it to serverless.yml:
//
// - Every AWS::Logs::LogGroup (each function's, the API's access logs, any other) is encrypted
//   with the stack's customer-managed key, `custom.stackKey` (a logical id in resources).
// - API Gateway's own errors (every GatewayResponse) and the WAF's custom block responses on the
//   API's ACL carry the CORS header of the allowed origin, so a browser on the storefront can read
//   a 429 or a 403 in the envelope. Gateway responses cannot choose a header value per request,
//   so this is done when CORS_ALLOWED_ORIGINS holds exactly one origin (the storefront); with
//   several, no CORS header is sent for gateway-made errors rather than one echoing any origin
//   (docs/DEPLOY.md).
// - checkov's dead-letter-queue check (CKV_AWS_116) is skipped, with the reason, on functions
//   that Lambda never invokes asynchronously: API Gateway (and the other synchronous sources) wait
//   for the answer, and polled sources (SQS, streams) keep a failed batch in the queue or stream,
//   whose own redrive policy or on-failure destination handles it; a function DLQ would receive
//   nothing. A function with an asynchronous source (SNS, S3, schedules, EventBridge) or without
//   events (who invokes it, and how?) still gets the check.
class HardeningPlugin {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      'after:aws:package:finalize:mergeCustomProviderResources': () => this.harden(),
    };
  }

  fail(message) {
    throw new this.serverless.classes.Error(`hardening: ${message}`);
  }

  harden() {
    const service = this.serverless.service;
    const resources = service.provider.compiledCloudFormationTemplate.Resources;
    const key = (service.custom || {}).stackKey;
    if (!key || !resources[key] || resources[key].Type !== 'AWS::KMS::Key') {
      this.fail(`custom.stackKey must name an AWS::KMS::Key in resources (got ${key})`);
    }
    encryptLogGroups(resources, key);
    skipDlqCheckOnSynchronousFunctions(service, resources, this.serverless.getProvider('aws').naming);
    const origins = originParts((service.provider.environment || {}).CORS_ALLOWED_ORIGINS);
    if (origins.includes('*')) {
      this.fail("CORS_ALLOWED_ORIGINS must list origins; '*' is not allowed (as src/shop/config.py)");
    }
    if (origins.length === 1) addCors(resources, origins[0]);
  }
}

function encryptLogGroups(resources, key) {
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::Logs::LogGroup') continue;
    resource.Properties = resource.Properties || {};
    if (!resource.Properties.KmsKeyId) resource.Properties.KmsKeyId = { 'Fn::GetAtt': [key, 'Arn'] };
  }
}

const SYNCHRONOUS = new Set(['http', 'httpApi', 'websocket', 'alb', 'cognitoUserPool']);
const POLLED = new Set(['sqs', 'stream', 'msk', 'kafka', 'activemq', 'rabbitmq']);

function skipDlqCheckOnSynchronousFunctions(service, resources, naming) {
  for (const [name, fn] of Object.entries(service.functions)) {
    const kinds = (fn.events || []).map((event) => Object.keys(event)[0]);
    if (!kinds.length || !kinds.every((kind) => SYNCHRONOUS.has(kind) || POLLED.has(kind))) continue;
    const reason = kinds.every((kind) => SYNCHRONOUS.has(kind))
      ? 'Invoked synchronously only (API Gateway): no async retries, nothing for a DLQ'
      : "Synchronous or polled sources only: a failed batch stays in its queue or stream, whose redrive or on-failure destination handles it";
    const resource = resources[naming.getLambdaLogicalId(name)];
    if (!resource) continue;
    const metadata = (resource.Metadata = resource.Metadata || {});
    const checkov = (metadata.checkov = metadata.checkov || {});
    checkov.skip = [
      ...(checkov.skip || []),
      { id: 'CKV_AWS_116', comment: reason },
    ];
  }
}

// The allowed origins in CORS_ALLOWED_ORIGINS: a comma-separated string, or a CloudFormation
// join on "," of such strings and intrinsics (the storefront's own CloudFront domain), each
// intrinsic being one origin. Empty pieces and trailing slashes are dropped, as config.py does.
function originParts(value) {
  if (value && typeof value === 'object') {
    const join = value['Fn::Join'];
    if (Array.isArray(join) && join[0] === ',') return join[1].flatMap(originParts);
    const sub = value['Fn::Sub'];
    const template = Array.isArray(sub) ? sub[0] : sub;
    if (typeof template === 'string' && template.includes(',')) return [value, value]; // several
    return [value];
  }
  return String(value || '')
    .split(',')
    .map((origin) => origin.trim().replace(/\/+$/, ''))
    .filter(Boolean);
}

function quoted(value) {
  return typeof value === 'string' ? `'${value}'` : { 'Fn::Join': ['', ["'", value, "'"]] };
}

function addCors(resources, origin) {
  const headers = { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::ApiGateway::GatewayResponse') continue;
    const parameters = (resource.Properties.ResponseParameters = { ...(resource.Properties.ResponseParameters || {}) });
    for (const [name, value] of Object.entries(headers)) {
      parameters[`gatewayresponse.header.${name}`] = quoted(value);
    }
  }
  // WAF custom responses go out without API Gateway: only the ACLs associated with the API.
  const apiAcls = new Set(
    Object.values(resources)
      .filter((r) => r.Type === 'AWS::WAFv2::WebACLAssociation' && JSON.stringify(r.Properties.ResourceArn).includes('ApiGatewayRestApi'))
      .map((r) => (r.Properties.WebACLArn['Fn::GetAtt'] || [])[0])
  );
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::WAFv2::WebACL' || !apiAcls.has(id)) continue;
    for (const rule of resource.Properties.Rules || []) {
      const custom = ((rule.Action || {}).Block || {}).CustomResponse;
      if (!custom) continue;
      const existing = (custom.ResponseHeaders || []).filter((h) => !(h.Name in headers));
      custom.ResponseHeaders = [...existing, ...Object.entries(headers).map(([Name, Value]) => ({ Name, Value }))];
    }
  }
}

module.exports = HardeningPlugin;
module.exports.originParts = originParts;
