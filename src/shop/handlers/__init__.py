"""One module per Lambda function: parse, authorize, call one service, render."""
