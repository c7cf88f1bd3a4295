"""The order aggregate (docs/ORDERS.md, "Money states"): typed records whose methods are the
only way an order's status and money change. Each method returns the order as it would be and
the one conditional write that stores it; nothing here speaks DynamoDB or HTTP."""
