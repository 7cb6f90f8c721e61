"""Writes a config dictionary to a TOML file and reads it back."""

import tomli_w

def write_toml(config: dict, file_path: str) -> None:
    tomli_w.dump(config, file_path)

def read_toml(file_path: str) -> dict:
    return tomli_w.load(file_path)
