import sys

from nanoneuron_tui.cli import main

sys.exit(main())
