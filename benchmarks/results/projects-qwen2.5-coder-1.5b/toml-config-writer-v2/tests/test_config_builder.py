"""Unit tests of toml_config_writer.config_builder from dspy-coder's run: 0 judged it; 5 did not count and are skipped with the reason (remove a marker to run one)."""

import pytest

import toml_config_writer.config_builder
from toml_config_writer.config_builder import *  # noqa: F403


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer passes it')
def test_generated_1():
    import tomli_w
    defaults = {'key1': 'value1', 'key2': 'value2'}
    overrides = {}
    config = toml_config_writer.config_builder.build_config(defaults, overrides)
    assert config == defaults


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer passes it')
def test_generated_2():
    import tomli_w
    defaults = {'key1': 'value1', 'key2': 'value2'}
    overrides = {'key1': 'new_value1', 'key3': 'new_value3'}
    config = toml_config_writer.config_builder.build_config(defaults, overrides)
    assert config == {'key1': 'new_value1', 'key2': 'value2', 'key3': 'new_value3'}


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer passes it')
def test_generated_3():
    import tomli_w
    defaults = {'key1': 'value1', 'key2': 'value2'}
    overrides = {'key1': 'new_value1', 'key3': 'new_value3'}
    config = toml_config_writer.config_builder.build_config(defaults, overrides)
    assert config == {'key1': 'new_value1', 'key2': 'value2', 'key3': 'new_value3'}


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_4():
    import tomli_w
    config = {'key1': 'value1', 'key2': 'value2'}
    file_path = 'test_config.toml'
    toml_config_writer.config_builder.write_config(config, file_path)
    with open(file_path, 'r') as file:
        content = file.read()
        assert content == 'key1 = "value1"\nkey2 = "value2"\n'


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_5():
    import tomli_w
    config = {'key1': 'value1', 'key2': 'value2'}
    file_path = 'test_config.toml'
    toml_config_writer.config_builder.write_config(config, file_path)
    read_config = toml_config_writer.config_builder.read_config(file_path)
    assert read_config == config
