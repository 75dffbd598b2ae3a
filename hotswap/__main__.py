from hotswap.main import main

raise SystemExit(main())
