import sys

from scanner_station.main import main

sys.exit(main())
