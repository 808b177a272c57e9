"""Integration tests against the real WordPress of the ``wp_lab`` fixture."""
