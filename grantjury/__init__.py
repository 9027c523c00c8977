"""grantjury: fair, explainable, reproducible rankings for grant competitions."""

__version__ = "0.1.0"
