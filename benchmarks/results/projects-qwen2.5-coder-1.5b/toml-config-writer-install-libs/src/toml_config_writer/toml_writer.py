"""Writes a config dictionary to a TOML file and reads it back."""

import tomli_w
