"""HotSwap CI side: load, validate, diff, plan and report game configs. Imports no promoter code."""
