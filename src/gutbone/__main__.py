"""Allow ``python -m gutbone``."""

import sys

from gutbone.cli import main

sys.exit(main())
