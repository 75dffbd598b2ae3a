"""HotSwap: GitOps pipeline for live game configuration."""

__version__ = "0.1.0"
