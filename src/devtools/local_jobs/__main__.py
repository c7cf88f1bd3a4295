import sys

from devtools.local_jobs import main

sys.exit(main())
