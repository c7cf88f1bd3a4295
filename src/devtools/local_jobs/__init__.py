"""Background jobs of the local server, run once in one dedicated process (see each module)."""
