"""Developer tooling: the local API Gateway emulator, the embedded DynamoDB, seeding and the admin CLI.

Not packaged into the Lambda functions (serverless.yml packages src/shop only).
"""
