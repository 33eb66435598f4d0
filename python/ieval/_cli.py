"""The ``ieval`` console script: the Rust command line, run in this process."""

import signal
import sys

from ieval._ieval import _cli_main


def main() -> None:
    # The Rust code does not poll Python's signal handlers: Ctrl-C ends the process, as it
    # does the native binary.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    sys.exit(_cli_main(["ieval", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
