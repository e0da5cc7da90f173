#!/usr/bin/env python
from shouhu.cli import main

if __name__ == "__main__":
    main()
