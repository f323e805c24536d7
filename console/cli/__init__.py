"""The `dispatch-console` command line."""
