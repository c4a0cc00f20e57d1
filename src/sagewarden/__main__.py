from sagewarden.cli import main

raise SystemExit(main())
