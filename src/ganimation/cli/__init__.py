"""Command-line interface: one module per subcommand; only the CLI prints."""
