"""Test helpers: hand-built wheels, a loopback package index, a clean pip environment."""
