"""Scripts run inside *other* interpreters: plain Python 3.9+, stdlib only, never importing wizard."""
