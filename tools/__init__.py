"""Operator and development tools that may import services."""
