"""a TOML config writer: a module that builds a config dictionary from defaults and overrides, and a module that writes it to a TOML file and reads it back"""
