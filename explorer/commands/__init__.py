"""Headless subcommands. Each module has ``register(subparsers)`` and imports the engine lazily."""
