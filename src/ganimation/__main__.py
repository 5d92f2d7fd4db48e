import sys

from ganimation.cli.main import main

sys.exit(main())
