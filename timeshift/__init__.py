"""The `timeshift` command line: demo, colors, specialize, run."""
