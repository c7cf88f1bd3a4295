"""Background jobs of the local server: each module defines NAME, interval_seconds(), tick() and
optionally setup(); the runner discovers them with pkgutil and runs each in its own thread."""
