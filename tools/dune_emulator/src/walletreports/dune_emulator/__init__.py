"""A local emulator of the Dune HTTP API (`/api/v1`) that the unmodified `dune-client`
talks to, and that really executes the DuneSQL it is given (see README.md here)."""
