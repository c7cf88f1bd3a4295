"""Is the service up

A 503 when the table cannot be reached.
"""

from ..edge import Example, Request, endpoint
from ..services import health
from ..storage import storage


@endpoint(response="HealthEnvelope", who="anyone", example=Example())
def handler(request: Request):
    return health.check(storage())
