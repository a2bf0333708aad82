"""One module per `satudata` sub-command; each exposes `run(args) -> int` (the exit status)."""
