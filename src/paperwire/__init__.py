"""paperwire: keeps researchers on top of new papers."""

from paperwire.models import Author, FeedDate, Paper, Rejected

__all__ = ["Author", "FeedDate", "Paper", "Rejected", "__version__"]
__version__ = "0.1.0"
