"""Integration tests: the modules together. Those that failed in dspy-coder's run are skipped with the failure; remove a marker to run one."""

import pytest

import toml_config_writer.config_builder
import toml_config_writer.toml_writer
from toml_config_writer.config_builder import *  # noqa: F403
from toml_config_writer.toml_writer import *  # noqa: F403


@pytest.mark.skip(reason="unconfirmed: no other candidate (5 of config_builder, 4 of toml_writer) passes it either, so the test may be wrong; it sent nothing back and does not count: AttributeError: 'str' object has no attribute 'write'")
def test_integration_1():
    from tomli_w import dumps
    config = {'key1': 'value1', 'key2': 'value2'}
    file_path = 'test_config.toml'
    write_toml(config, file_path)
    read_config = read_toml(file_path)
    assert read_config == config


@pytest.mark.skip(reason="unconfirmed: no other candidate (5 of config_builder, 4 of toml_writer) passes it either, so the test may be wrong; it sent nothing back and does not count: AttributeError: 'str' object has no attribute 'write'")
def test_integration_2():
    from tomli_w import dumps
    config = {'key1': 'value1', 'key2': 'value2'}
    overrides = {'key1': 'new_value1', 'key3': 'new_value3'}
    file_path = 'test_config.toml'
    write_toml(config, file_path)
    read_config = read_toml(file_path)
    assert read_config == {'key1': 'new_value1', 'key2': 'value2', 'key3': 'new_value3'}
