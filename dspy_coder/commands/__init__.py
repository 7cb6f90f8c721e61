"""One module per ``dspy-coder`` subcommand: ``add_parser(subparsers)`` and ``run(args, settings)``."""
