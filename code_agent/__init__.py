"""code-agent: bootstrap and inspect AI-agent-ready codebases."""

__version__ = "0.1.0"
