from plinktui.cli import main

raise SystemExit(main())
