"""digest-publisher: research papers in, a grounded WordPress post out."""

__version__ = "0.1.0"
