"""``python -m forecastrnn``: the same as the ``forecastrnn`` command."""

import sys

from forecastrnn.cli import main

sys.exit(main())
