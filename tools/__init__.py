"""Operator and development tools; they may import services."""
