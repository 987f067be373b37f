import sys

from ._lib.cli import main

sys.exit(main())
