from howtoctl.cli import main

raise SystemExit(main())
