"""Unit tests of toml_config_writer.toml_writer from dspy-coder's run: 0 judged it; 2 did not count and are skipped with the reason (remove a marker to run one)."""

import pytest

import toml_config_writer.toml_writer
import toml_config_writer.config_builder
from toml_config_writer.toml_writer import *  # noqa: F403
from toml_config_writer.config_builder import *  # noqa: F403


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count')
def test_generated_1():
    from toml_config_writer.toml_writer import build_config, write_config, read_config

    def defaults():
        return {'database': {'host': 'localhost', 'port': 5432, 'user': 'admin', 'password': 'secret'}, 'logging': {'level': 'info', 'format': '%(asctime)s - %(name)s - %(levelname)s - %(message)s'}}

    def overrides():
        return {'database': {'host': '192.168.1.100', 'port': 5433}, 'logging': {'level': 'debug'}}

    def test_write_toml(defaults, overrides):
        config = build_config(defaults, overrides)
        write_config(config, 'test_config.toml')
        read_config_result = read_config('test_config.toml')
        assert read_config_result == config
    defaults_value = defaults()
    overrides_value = overrides()
    test_write_toml(defaults=defaults_value, overrides=overrides_value)


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count')
def test_generated_2():
    from toml_config_writer.toml_writer import build_config, write_config, read_config

    def defaults():
        return {'database': {'host': 'localhost', 'port': 5432, 'user': 'admin', 'password': 'secret'}, 'logging': {'level': 'info', 'format': '%(asctime)s - %(name)s - %(levelname)s - %(message)s'}}

    def overrides():
        return {'database': {'host': '192.168.1.100', 'port': 5433}, 'logging': {'level': 'debug'}}

    def test_read_toml(defaults, overrides):
        config = build_config(defaults, overrides)
        write_config(config, 'test_config.toml')
        read_config_result = read_config('test_config.toml')
        assert read_config_result == config
    defaults_value = defaults()
    overrides_value = overrides()
    test_read_toml(defaults=defaults_value, overrides=overrides_value)
