"""Business rules. Services raise domain errors and never see HTTP or DynamoDB."""
