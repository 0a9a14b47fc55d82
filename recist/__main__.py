"""``python -m recist`` runs the command line."""

import sys

from recist.cli import main

sys.exit(main())
