"""Local-only HTTP routes of the local server (never deployed): each module has PREFIXES and handle()."""
