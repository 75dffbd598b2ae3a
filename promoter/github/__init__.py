"""GitHub around the git truth: PR reports, deployments, revert and approval pull requests."""
