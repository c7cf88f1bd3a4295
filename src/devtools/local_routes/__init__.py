"""Local-only HTTP routes (never deployed): one module each (PREFIXES, handle(request)),
answered by the local server before the API routes."""
