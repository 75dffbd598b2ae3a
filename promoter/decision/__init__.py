"""The parts of `promoter.decide`, the promoter's pure decisions; import them from `promoter.decide`."""
