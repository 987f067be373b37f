import sys

from ._lib import cli

sys.exit(cli.main())
