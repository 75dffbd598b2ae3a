"""What the promoter, the pipeline and the agent must read and write alike: one rule each, imported
by all three (it imports none of them)."""
