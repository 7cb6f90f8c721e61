"""Builds a config dictionary from defaults and overrides."""

import tomli_w

def build_config(defaults: dict, overrides: dict) -> dict:
    config = defaults.copy()
    config.update(overrides)
    return config

def write_config(config: dict, file_path: str) -> None:
    with open(file_path, 'w') as file:
        tomli_w.dump(config, file)

def read_config(file_path: str) -> dict:
    with open(file_path, 'r') as file:
        return tomli_w.load(file)
