"""One module per ``dspy-coder`` subcommand.

Each has ``add_parser(subparsers)`` and ``run(args, settings)``.
"""
