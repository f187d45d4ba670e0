from flagdesk.cli import main

raise SystemExit(main())
