"""The game-server side of HotSwap: pick a ring, follow its branch, hot-swap validated configs."""
