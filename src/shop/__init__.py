"""Serverless e-commerce API: Lambda handlers, services and the DynamoDB storage."""
