"""``python -m daemon``: the same as the ``integration-daemon`` command."""

from daemon.cli import main

main()
