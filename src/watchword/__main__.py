"""`python -m watchword` is the `watchword` command."""

from watchword.cli import main

main()
