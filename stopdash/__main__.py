"""`python -m stopdash`: the same command line as `stopdash` (handy on Windows: .venv\\Scripts\\python -m stopdash demo)."""

from stopdash.cli import main

raise SystemExit(main())
