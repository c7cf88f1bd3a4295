"""make run's background jobs: one module each (NAME, optional setup(), interval_seconds(),
tick()), discovered by the local server and run in one dedicated process, a thread each."""
