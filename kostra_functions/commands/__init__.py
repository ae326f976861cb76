"""Subcommands of ``kostra``: one module per command, each with ``register(subparsers)``.

A command module parses its own arguments, calls the library and prints; it sets
``parser.set_defaults(func=run)`` where ``run(args) -> int`` returns the exit code.
"""
